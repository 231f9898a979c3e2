/**
 * Leader election over a coordination.k8s.io Lease, with client-go's semantics:
 * one operator acts at a time. A candidate takes the lease when nobody holds it,
 * or when its record has not changed for the holder's lease duration, measured
 * on the candidate's own clock from when it first saw that record (so clock skew
 * between hosts does not matter). Updates carry the resourceVersion read, so of
 * two candidates exactly one wins. The leader renews every `renewIntervalMs` and
 * gives up (the caller stops acting) when it could not renew for two thirds of
 * the lease duration, before anyone else may take it.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { errorText } from '../../errors.js';

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  /** This candidate (host name and pid): shown as the lease's holder. */
  identity: string;
  leaseDurationMs: number;
  log: (line: string) => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  /** The last record seen (holder and renew time) and when we first saw it. */
  private observed?: { record: string; at: number };
  private renewer?: NodeJS.Timeout;
  private leading = false;

  constructor(private readonly o: LeaderElectionOptions) {
    this.api = o.kc.makeApiClient(CoordinationV1Api);
  }

  private get renewIntervalMs(): number {
    return Math.max(200, Math.floor(this.o.leaseDurationMs / 4));
  }

  /** Resolves once this candidate holds the lease (or false when `signal` aborts first). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    let lastHolder = '';
    while (!signal.aborted) {
      const r = await this.tryAcquireOrRenew().catch((err: unknown) => ({ held: false, holder: `unknown (${errorText(err)})` }));
      if (r.held) {
        this.leading = true;
        this.o.log(`leading: holds lease ${this.o.namespace}/${this.o.name} as ${this.o.identity}`);
        return true;
      }
      if (r.holder !== lastHolder) this.o.log(`waiting for lease ${this.o.namespace}/${this.o.name}, held by ${r.holder}`);
      lastHolder = r.holder;
      await new Promise((res) => setTimeout(res, this.renewIntervalMs));
    }
    return false;
  }

  /** Renews in the background; `onLost` runs once if renewing failed for too long (stop acting at once). */
  keepRenewing(onLost: (why: string) => void): void {
    let renewedAt = Date.now();
    const deadline = Math.floor((this.o.leaseDurationMs * 2) / 3);
    const tick = async () => {
      const r = await this.tryAcquireOrRenew().catch((err: unknown) => ({ held: false, holder: `unknown (${errorText(err)})` }));
      if (r.held) renewedAt = Date.now();
      else if (r.holder !== this.o.identity && !r.holder.startsWith('unknown')) return this.lose(onLost, `the lease is held by ${r.holder}`);
      if (Date.now() - renewedAt > deadline) return this.lose(onLost, `could not renew the lease for ${deadline} ms (last: ${r.holder})`);
      this.renewer = setTimeout(() => void tick(), this.renewIntervalMs);
    };
    this.renewer = setTimeout(() => void tick(), this.renewIntervalMs);
  }

  /** Stops renewing and, when leading, frees the lease so another candidate takes over at once. */
  async release(): Promise<void> {
    clearTimeout(this.renewer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
    } catch {
      /* best effort: the lease expires anyway */
    }
  }

  private lose(onLost: (why: string) => void, why: string): void {
    clearTimeout(this.renewer);
    if (!this.leading) return;
    this.leading = false;
    onLost(why);
  }

  /** One attempt: create, take over an expired or free lease, or renew our own. */
  private async tryAcquireOrRenew(): Promise<{ held: boolean; holder: string }> {
    const now = Date.now();
    const durationSeconds = Math.max(1, Math.round(this.o.leaseDurationMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      const body: V1Lease = {
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: {
          holderIdentity: this.o.identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      return this.write(() => this.api.createNamespacedLease({ namespace: this.o.namespace, body }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = `${holder}@${String(spec.renewTime ?? '')}`;
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const theirDurationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== this.o.identity && now - this.observed.at < theirDurationMs) return { held: false, holder };
    const mine = holder === this.o.identity;
    lease.spec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    // The resourceVersion read makes this a compare-and-swap: a concurrent writer gets 409.
    return this.write(() => this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease }), holder);
  }

  private async write(call: () => Promise<V1Lease>, previousHolder = ''): Promise<{ held: boolean; holder: string }> {
    try {
      const written = await call();
      this.observed = { record: `${this.o.identity}@${String(written.spec?.renewTime ?? '')}`, at: Date.now() };
      return { held: true, holder: this.o.identity };
    } catch (err) {
      if ((err as { code?: number }).code === 409) return { held: false, holder: previousHolder || 'another candidate' };
      throw err;
    }
  }
}

/**
 * A Lease's times are MicroTime: RFC 3339 with exactly six fraction digits (the API
 * server refuses JavaScript's three). The client passes the string through as is.
 */
function microTime(ms: number): Date {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}
