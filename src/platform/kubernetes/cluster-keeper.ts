/**
 * Keeps one RedisCluster: applies its objects (server-side apply, owned by the
 * RedisCluster), runs the shared Controller over its pods, and writes status and Events.
 * Level-triggered like the controller: each pass starts from what it reads.
 */
import { desiredShape } from '../../spec/desired-shape.js';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  type V1Secret,
  type V1StatefulSet,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { Controller } from '../../controller/controller.js';
import type { ClusterRecorder } from '../../controller/metrics.js';
import type { PassOutcome, ProbeOutcome } from '../../controller/runner.js';
import { DATA_LOSS_ACKNOWLEDGED, type DataLossTally, acknowledged, addLoss, tallyCondition } from '../../controller/data-loss.js';
import { DATA_LOSS, type EventSink } from '../../controller/events.js';
import type { MemberView } from '../../topology/observation.js';
import { InputError, errorText } from '../../errors.js';
import { GROUP, PLURAL, VERSION } from '../../manifests/crd.js';
import { namesOf, selectorOf } from '../../manifests/names.js';
import { generateClusterPasswords, generatePassword, secret, userSecret } from '../../manifests/objects.js';
import { renderCluster } from '../../manifests/render.js';
import { validateSpec } from '../../spec/load.js';
import { unsupportedOnKubernetes } from '../../spec/kubernetes.js';
import { API_VERSION, KIND, type RedisCluster } from '../../spec/schema.js';
import { Applier } from './apply.js';
import { ExternalAddresses } from './external-addresses.js';
import { ExternalServices } from './external-services.js';
import { KubernetesEventSink } from './k8s-events.js';
import { PodMemberSource, type WatchCache, readStatefulSet, statefulSetReplicas } from './member-source.js';
import { type ClusterStatus, invalidStatus, statusOf, waitingStatus } from './status.js';
import { type ConnectionProfile, passwordProfile } from '../../redis/profile.js';
import { adminProfile } from '../../spec/keeper-users.js';
import { reloadCertificates } from './cert-reload.js';
import { type TlsSecret, readTlsSecret, tlsSwitchRefused, withSecretTls } from './tls-secret.js';

/** The RedisCluster as the API server returns it. */
export interface RedisClusterObject extends KubernetesObject {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: Date;
  };
  spec?: unknown;
  status?: ClusterStatus;
}

/** A person acknowledges the data losses so far by setting this annotation to the current time (RFC 3339). */
export const DATA_LOSS_ACK_ANNOTATION = 'rck.dev/data-loss-acknowledged';
const ACK_HOW = `acknowledge with: kubectl annotate rediscluster <name> ${DATA_LOSS_ACK_ANNOTATION}=$(date -u +%Y-%m-%dT%H:%M:%SZ) --overwrite`;

// Objects are re-applied on every spec change or StatefulSet edit (operator.ts), and now and
// then to undo manual edits of the others: an apply is one request per object.
const REAPPLY_MS = 10 * 60_000;
// A member still serving an old certificate is looked at again after this long (cert-reload.ts).
const CERT_RETRY_MS = 5_000;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class ClusterKeeper {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly applier: Applier;
  private readonly apps: AppsV1Api;
  private controller?: Controller;
  private profile?: ConnectionProfile;
  private appliedGeneration?: number;
  private appliedAt = 0;
  private lastStatus = '';
  private written?: ClusterStatus;
  /** Unacknowledged losses: from the status last written (an operator restart keeps them), then from this keeper's events. */
  private dataLoss?: DataLossTally;
  private invalidSpec = false;
  private externalAccess = false;
  private readonly externalAddresses: ExternalAddresses;
  private readonly externalServices: ExternalServices;
  /** spec.tls: the Secret's certificate the controller's profile was built with, and members not serving it yet. */
  private profileCert?: Buffer;
  private certsPendingSince?: number;
  /** The Secret's certificate and the members up when every one of them last served it. */
  private certsMatched?: string;
  /** How the last pass ended (undefined: it failed), and the watch cache when this pass may read it. */
  private lastOutcome?: PassOutcome;
  private passCache?: WatchCache;

  constructor(
    kc: KubeConfig,
    private obj: RedisClusterObject,
    private readonly log: (line: string) => void,
    private readonly metrics?: ClusterRecorder,
    private readonly cache?: WatchCache,
  ) {
    this.dataLoss = obj.status?.dataLoss ?? undefined;
    if (this.dataLoss) log(`${this.key}: carrying ${this.dataLoss.events} unacknowledged data loss event(s) since ${this.dataLoss.since} from status`);
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.applier = new Applier(kc);
    this.externalAddresses = new ExternalAddresses(this.applier);
    this.externalServices = new ExternalServices(this.core, (line) => this.log(`${this.key}: ${line}`));
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  get key(): string {
    return `${this.obj.metadata.namespace}/${this.obj.metadata.name}`;
  }

  /** Apply the objects again at the next pass (something edited or deleted one). */
  reapplySoon(): void {
    this.appliedAt = 0;
  }

  update(obj: RedisClusterObject): void {
    this.obj = obj;
  }

  /** Cheap change detection while settled (controller/probe.ts); no API call. */
  async probe(quiet: boolean): Promise<ProbeOutcome> {
    if (this.invalidSpec) return 'still'; // waits for the object to change (the informer wakes the runner)
    if (!this.controller) return 'changed';
    if (this.certsPendingSince !== undefined && Date.now() - this.certsPendingSince > CERT_RETRY_MS) return 'changed';
    const outcome = await this.controller.probe(quiet);
    if (outcome !== 'changed') this.metrics?.sampled(this.controller.samples);
    return outcome;
  }

  /** One pass; errors are reported in status and logs, and the runner tries again (backing off). */
  async pass(signal?: AbortSignal): Promise<PassOutcome> {
    const { name, namespace, generation } = this.obj.metadata;
    // After a settled pass nothing this keeper wrote is in flight, so the watches' view is as
    // good as a read (what changed since woke this pass). While healing, reads go to the API.
    this.passCache = this.lastOutcome === 'settled' && this.cache?.synced() ? this.cache : undefined;
    this.lastOutcome = undefined;
    let rc: RedisCluster;
    let sts: V1StatefulSet | undefined;
    try {
      rc = validateSpec({ apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, labels: this.obj.metadata.labels }, spec: this.obj.spec ?? {} }, this.key);
      const unsupported = unsupportedOnKubernetes(rc.spec);
      if (unsupported) throw new InputError(unsupported, { subject: unsupported.split(':')[0]! });
      sts = await readStatefulSet(this.apps, namesOf(rc).statefulSet, namespace, this.passCache);
      const tlsSwitch = tlsSwitchRefused(sts, rc.spec.tls.enabled);
      if (tlsSwitch) throw new InputError(tlsSwitch, { subject: 'spec.tls.enabled' });
      if (rc.spec.auth.defaultUser === 'off' && generation !== this.appliedGeneration) await this.requireKeeperUsers(rc);
    } catch (err) {
      if (!(err instanceof InputError)) throw err; // an API error: the runner tries again
      this.invalidSpec = true;
      await this.writeStatus(invalidStatus(errorText(err), generation));
      return (this.lastOutcome = 'settled'); // nothing to do until the object changes (which wakes the runner)
    }
    this.invalidSpec = false;
    if (generation !== this.appliedGeneration || Date.now() - this.appliedAt > REAPPLY_MS) {
      await this.applyObjects(rc, this.passCache ? await readStatefulSet(this.apps, namesOf(rc).statefulSet, namespace) : sts);
      this.appliedGeneration = generation;
      this.appliedAt = Date.now();
    }
    const tls = rc.spec.tls.enabled ? await this.readTls(rc, generation) : undefined;
    if (tls && this.profileCert && !tls.served.equals(this.profileCert)) {
      // A renewed Secret: the operator's own client certificate is renewed too.
      this.log(`${this.key}: Secret ${tls.name} changed: new client certificate for the operator`);
      await this.close();
    }
    this.profileCert = tls?.served;
    // The profile is read once, with the controller: the Secret's password is never rewritten.
    const profile = (p: ConnectionProfile) => (tls ? withSecretTls(p, tls, `${namesOf(rc).client}.${namesOf(rc).namespace}.svc`) : p);
    this.controller ??= new Controller({
      clusterName: name,
      source: new PodMemberSource({
        core: this.core,
        apps: this.apps,
        namespace,
        cluster: name,
        statefulSet: namesOf(rc).statefulSet,
        selector: Object.entries(selectorOf(rc))
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
        // The spec of this pass, not of the first one: external access can be turned on later.
        externalAccess: () => this.externalAccess,
        cache: () => this.passCache,
      }),
      desired: desiredShape(rc.spec),
      profile: (this.profile = profile(rc.spec.auth.enabled ? await this.keeperProfile(rc) : passwordProfile(undefined, 'rck-operator'))),
      events: this.eventSink(),
      report: (line) => this.log(`${this.key}: ${line}`),
    });
    this.controller.setDesired(desiredShape(rc.spec)); // the spec may have changed (a scale)
    this.externalAccess = rc.spec.kubernetes.externalAccess !== undefined;
    const started = performance.now();
    const result = await this.controller.pass(signal);
    this.metrics?.passed({ obs: result.obs, conditions: result.conditions, desired: desiredShape(rc.spec), durationMs: performance.now() - started });
    if (tls) await this.reloadCertificates(tls, result.obs.members);
    await this.externalAddresses.sync(rc, result.obs.members, this.ownerRef());
    if (result.outcome === 'settled') await this.externalServices.prune(rc, result.obs.members);
    const ackAt = this.obj.metadata.annotations?.[DATA_LOSS_ACK_ANNOTATION];
    if (acknowledged(this.dataLoss, ackAt)) {
      this.log(`${this.key}: data losses acknowledged (${DATA_LOSS_ACK_ANNOTATION}=${ackAt})`);
      this.dataLoss = undefined;
      await this.eventSink()
        .record({
          time: new Date().toISOString(),
          type: 'Normal',
          member: name,
          reason: DATA_LOSS_ACKNOWLEDGED,
          message: `acknowledged by annotation ${DATA_LOSS_ACK_ANNOTATION}=${ackAt}`,
          source: 'user',
        })
        .catch(() => {});
    }
    this.metrics?.dataLossCondition(this.dataLoss !== undefined);
    await this.writeStatus(statusOf(result, generation, { condition: tallyCondition(this.dataLoss, ACK_HOW, this.dataLoss ? undefined : ackAt), tally: this.dataLoss }));
    return (this.lastOutcome = result.outcome);
  }

  /** spec.tls: the Secret, after the objects are applied (cert-manager may write it later); status says what is missing. */
  private async readTls(rc: RedisCluster, generation: number | undefined): Promise<TlsSecret> {
    try {
      return await readTlsSecret(this.core, namesOf(rc).namespace, namesOf(rc).tlsSecret);
    } catch (err) {
      if (!this.controller) await this.writeStatus(waitingStatus('TLSSecretNotReady', errorText(err), generation));
      throw err; // the runner tries again, backing off
    }
  }

  /** Members serving another certificate than the Secret's load it again (cert-reload.ts); pending ones are retried. */
  private async reloadCertificates(tls: TlsSecret, members: MemberView[]): Promise<void> {
    // Looked at again only when the Secret or a member changed: a member starts with the Secret's files.
    const seen = [tls.served.toString('base64'), ...members.filter((m) => m.up).map((m) => `${m.name}@${m.address.host}`)].join(' ');
    if (seen === this.certsMatched) return;
    const sink = this.eventSink();
    const r = await reloadCertificates(members, tls.served, this.profile!, (e) => sink.record({ ...e, time: new Date().toISOString(), source: 'controller' }));
    if (r.reloaded.length > 0) this.log(`${this.key}: ${r.reloaded.join(', ')} now serve the certificate of Secret ${tls.name}`);
    if (r.pending.length === 0) {
      this.certsPendingSince = undefined;
      this.certsMatched = seen;
    } else {
      this.certsMatched = undefined;
      if (this.certsPendingSince === undefined) this.log(`${this.key}: waiting for the kubelet to refresh Secret ${tls.name} in ${r.pending.join(', ')}`);
      this.certsPendingSince = Date.now();
    }
  }

  /** Events on the RedisCluster; a DataLoss event also counts in the tally the DataLoss condition shows. */
  private eventSink(): EventSink {
    const { name, namespace, uid } = this.obj.metadata;
    const sink = new KubernetesEventSink(this.core, { apiVersion: API_VERSION, kind: KIND, name, namespace, uid });
    return {
      record: async (e) => {
        if (e.reason === DATA_LOSS) this.dataLoss = addLoss(this.dataLoss, e);
        this.metrics?.event(e);
        await sink.record(e);
      },
    };
  }

  private ownerRef() {
    const { name, uid } = this.obj.metadata;
    return { apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true };
  }

  /**
   * The StatefulSet's replicas belong to the controller once it exists: a scale-in
   * must not stop pods before their slots are drained, so they are applied as they
   * are and the controller moves them (the spec's count only creates the set). `sts` is read
   * from the API, never the cache: a stale count written back would scale the set.
   */
  private async applyObjects(rc: RedisCluster, sts: V1StatefulSet | undefined): Promise<void> {
    if (rc.spec.auth.enabled) {
      await this.ensureSecret(rc);
      await this.ensureUserSecrets(rc, this.obj.metadata.generation);
    }
    const objects = renderCluster(rc, { existingSecret: true });
    const running = statefulSetReplicas(sts);
    for (const o of objects) {
      if (o.kind === 'StatefulSet' && running !== undefined) (o as V1StatefulSet).spec!.replicas = running;
      // Cluster-scoped volumes cannot be owned by a namespaced object; they are kept (Retain) anyway.
      if (o.kind !== 'PersistentVolume') o.metadata = { ...o.metadata, ownerReferences: [this.ownerRef()] };
      await this.applier.apply(o);
    }
    this.log(`${this.key}: applied ${objects.length} objects (generation ${this.obj.metadata.generation})`);
  }

  /** The cluster's Secret: its passwords are generated once and never rewritten. */
  private async ensureSecret(rc: RedisCluster): Promise<void> {
    const n = namesOf(rc);
    if (await this.findSecret(rc, n.secret)) return;
    await this.createSecret(rc, secret(rc, generateClusterPasswords()));
    this.log(`${this.key}: generated the passwords in Secret ${n.secret}`);
  }

  /**
   * spec.auth.users: a generated password's Secret is made once, like the cluster's; a
   * passwordSecret must exist with a key "password" (pods would wait for it unseen otherwise).
   */
  private async ensureUserSecrets(rc: RedisCluster, generation: number | undefined): Promise<void> {
    for (const u of rc.spec.auth.users) {
      const name = namesOf(rc).userSecret(u);
      const found = await this.findSecret(rc, name);
      if (u.passwordSecret) {
        if (found?.data?.password) continue;
        const problem = `Secret ${name} (spec.auth.users ${u.name}'s passwordSecret) ${found ? 'has no key "password"' : 'not found'}`;
        await this.writeStatus(waitingStatus('UserSecretNotReady', problem, generation));
        throw new Error(problem); // the runner tries again, backing off
      }
      if (found) continue;
      await this.createSecret(rc, userSecret(rc, u, generatePassword()));
      this.log(`${this.key}: generated user ${u.name}'s password in Secret ${name}`);
    }
  }

  /** A Secret in the cluster's namespace, or undefined when there is none. */
  private findSecret(rc: RedisCluster, name: string): Promise<V1Secret | undefined> {
    return this.core.readNamespacedSecret({ name, namespace: namesOf(rc).namespace }).catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
  }

  /** A generated Secret, owned by the RedisCluster only when volumes go with it: kept volumes keep their passwords. */
  private async createSecret(rc: RedisCluster, body: V1Secret): Promise<void> {
    if (rc.spec.kubernetes.deleteVolumesOnDelete) body.metadata = { ...body.metadata, ownerReferences: [this.ownerRef()] };
    await this.core.createNamespacedSecret({ namespace: namesOf(rc).namespace, body });
  }

  /** The operator's login from the cluster's Secret: rck-admin when it has it, else the default user (a cluster made before rck's own users). */
  private async keeperProfile(rc: RedisCluster): Promise<ConnectionProfile> {
    const n = namesOf(rc);
    const s = await this.core.readNamespacedSecret({ name: n.secret, namespace: n.namespace });
    if (!s.data?.password) throw new Error(`Secret ${n.secret} has no key "password"`);
    const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    if (hasKeeperUsers(s)) return adminProfile(text(s.data.admin!), 'rck-operator');
    return passwordProfile(text(s.data.password), 'rck-operator');
  }

  /** spec.auth.defaultUser off needs rck's own users; a Secret made before them has none (none yet: ensureSecret makes it with them). */
  private async requireKeeperUsers(rc: RedisCluster): Promise<void> {
    const n = namesOf(rc);
    const s = await this.findSecret(rc, n.secret);
    if (s && !hasKeeperUsers(s)) {
      throw new InputError(`spec.auth.defaultUser: off needs rck's own users, and Secret ${n.secret} was made before them (no keys "admin" and "replication")`, {
        subject: 'spec.auth.defaultUser',
      });
    }
  }

  private async writeStatus(computed: ClusterStatus): Promise<void> {
    // A condition whose status did not change keeps the transition time last written, also
    // when this keeper is new (the operator restarted) and its controller has no history.
    const status = keepTransitionTimes(computed, this.written ?? this.obj.status);
    // Compare without transition times' churn: they only change with a status.
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return;
    const { name, namespace } = this.obj.metadata;
    await this.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { status } }, mergePatch);
    this.lastStatus = text;
    this.written = status;
  }

  /** Closes the controller's connections to the nodes (the keeper stops). */
  async close(): Promise<void> {
    await this.controller?.close();
    this.controller = undefined;
  }

  /** On deletion: owner references let the garbage collector remove the objects; claims only on request. */
  async deleted(): Promise<void> {
    let spec: RedisCluster['spec'] | undefined;
    try {
      spec = validateSpec({ metadata: { name: this.obj.metadata.name }, spec: this.obj.spec ?? {} }).spec;
    } catch {
      return;
    }
    if (!spec.kubernetes.deleteVolumesOnDelete) {
      this.log(`${this.key}: deleted; volumes kept (kubernetes.deleteVolumesOnDelete is false)`);
      return;
    }
    const selector = `rck.dev/cluster=${this.obj.metadata.name}`;
    await this.core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: this.obj.metadata.namespace, labelSelector: selector });
    this.log(`${this.key}: deleted with its volumes`);
  }
}

function keepTransitionTimes(status: ClusterStatus, shown: ClusterStatus | undefined): ClusterStatus {
  const conditions = status.conditions.map((c) => {
    const before = shown?.conditions?.find((b) => b.type === c.type);
    return before?.status === c.status && before.lastTransitionTime ? { ...c, lastTransitionTime: before.lastTransitionTime } : c;
  });
  return { ...status, conditions };
}

/** Whether the cluster's Secret holds the passwords of rck's own users (spec/keeper-users.ts). */
function hasKeeperUsers(s: V1Secret): boolean {
  return Boolean(s.data?.admin && s.data.replication);
}
