/**
 * The supervisor's metrics: one ClusterRecorder fed by each controller pass and idle
 * probe, plus the state dir's event log read forward after each pass (the controller
 * and the crash responder both write it; `rck events --ack-data-loss` too), served on
 * 127.0.0.1 at an ephemeral port. Events already in the log at start set the DataLoss
 * condition but are not counted: counters start with the process, as Prometheus expects.
 */
import { open, stat } from 'node:fs/promises';
import { type ClusterEvent, DATA_LOSS, DATA_LOSS_ACKNOWLEDGED } from '../../controller/events.js';
import { parseEventLine } from '../../controller/event-log.js';
import { type ClusterRecorder, type PassSnapshot, RckMetrics } from '../../controller/metrics.js';
import type { ProbeSample } from '../../controller/probe.js';
import { type ObservabilityServer, serveObservability } from '../observability-server.js';
import { webViewRoutes } from '../web-view/routes.js';

/** Events the web view shows (the latest). */
const VIEW_EVENTS = 100;

export class LocalMetrics {
  readonly metrics = new RckMetrics();
  readonly recorder: ClusterRecorder;
  private server?: ObservabilityServer;
  private offset = 0;
  private openLosses = false;
  private reading?: Promise<void>;
  private readonly recent: ClusterEvent[] = [];

  constructor(
    cluster: string,
    private readonly eventsFile: string,
  ) {
    this.recorder = this.metrics.cluster({ namespace: '', cluster });
  }

  /** Reads the event log so far (DataLoss condition and the web view's events, no counting), then listens. */
  async start(host = '127.0.0.1', port = 0): Promise<string> {
    await this.readEvents(false);
    this.server = await serveObservability(
      host,
      port,
      this.metrics,
      webViewRoutes(this.recorder, () => this.recent),
    );
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
    const size = await stat(this.eventsFile).then(
      (s) => s.size,
      () => 0,
    );
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
      const e = line.trim() ? parseEventLine(line) : undefined;
      if (!e) continue;
      this.recent.push(e);
      if (this.recent.length > VIEW_EVENTS) this.recent.shift();
      if (e.reason === DATA_LOSS) this.openLosses = true;
      if (e.reason === DATA_LOSS_ACKNOWLEDGED) this.openLosses = false;
      if (count) this.recorder.event(e);
    }
    this.recorder.dataLossCondition(this.openLosses);
  }
}
