/**
 * The supervisor's metrics: one ClusterRecorder fed by each controller pass and idle
 * probe, plus the state dir's event log read forward after each pass (the controller
 * and the crash responder both write it; `rck events --ack-data-loss` too), served on
 * 127.0.0.1 at an ephemeral port. Events already in the log at start set the DataLoss
 * condition but are not counted: counters start with the process, as Prometheus expects.
 */
import { open, stat } from 'node:fs/promises';
import { DATA_LOSS_ACKNOWLEDGED } from '../../controller/data-loss.js';
import { DATA_LOSS } from '../../controller/events.js';
import { type ClusterRecorder, type PassSnapshot, RckMetrics } from '../../controller/metrics.js';
import type { ProbeSample } from '../../controller/probe.js';
import { type ObservabilityServer, type Route, serveObservability } from '../observability-server.js';

export class LocalMetrics {
  readonly metrics = new RckMetrics();
  readonly recorder: ClusterRecorder;
  private server?: ObservabilityServer;
  private offset = 0;
  private openLosses = false;
  private reading?: Promise<void>;

  constructor(cluster: string, private readonly eventsFile: string) {
    this.recorder = this.metrics.cluster({ namespace: '', cluster });
  }

  /** Reads the event log so far (DataLoss condition only), then listens. */
  async start(routes: Record<string, Route> = {}, host = '127.0.0.1', port = 0): Promise<string> {
    await this.readEvents(false);
    this.server = await serveObservability(host, port, this.metrics, routes);
    return this.server.url;
  }

  get url(): string | undefined {
    return this.server?.url;
  }

  passed(p: PassSnapshot): void {
    this.recorder.passed(p);
    this.reading ??= this.readEvents(true).finally(() => (this.reading = undefined));
  }

  sampled(samples: readonly ProbeSample[]): void {
    this.recorder.sampled(samples);
  }

  async close(): Promise<void> {
    await this.reading;
    await this.server?.close();
  }

  /** New lines of the event log since the last read (nothing is read when its size did not change). */
  private async readEvents(count: boolean): Promise<void> {
    const size = await stat(this.eventsFile).then((s) => s.size, () => 0);
    if (size < this.offset) this.offset = 0; // the log was replaced
    if (size === this.offset) return;
    const fh = await open(this.eventsFile, 'r');
    let text: string;
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
    const end = text.lastIndexOf('\n') + 1; // a line still being written waits for the next read
    this.offset += Buffer.byteLength(text.slice(0, end));
    for (const line of text.slice(0, end).split('\n')) {
      let e: { action?: unknown };
      try {
        e = JSON.parse(line) as { action?: unknown };
      } catch {
        continue;
      }
      if (typeof e.action !== 'string') continue; // a platform event (Started, Killed...): not a heal action
      if (e.action === DATA_LOSS) this.openLosses = true;
      if (e.action === DATA_LOSS_ACKNOWLEDGED) this.openLosses = false;
      if (count) this.recorder.event({ action: e.action });
    }
    this.recorder.dataLossCondition(this.openLosses);
  }
}
