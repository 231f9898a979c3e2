/**
 * Reads Prometheus text with a maintained parser (parse-prometheus-text-format, which follows
 * the Prometheus Python client's parser): a text it cannot parse throws.
 */
// @ts-expect-error: the package ships no types
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface PromSample {
  labels: Record<string, string>;
  value?: string;
  count?: string;
  sum?: string;
  buckets?: Record<string, string>;
}

export interface PromFamily {
  name: string;
  help: string;
  type: string;
  metrics: PromSample[];
}

export class PromText {
  readonly families: Map<string, PromFamily>;
  constructor(text: string) {
    const parsed = (parsePrometheusTextFormat as (t: string) => PromFamily[])(text);
    this.families = new Map(parsed.map((f) => [f.name, f]));
  }

  /** Samples of a metric whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): PromSample[] {
    const f = this.families.get(name);
    if (!f) return [];
    return f.metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels?.[k] ?? '') === v));
  }

  /** The one sample's value, as a number; throws unless exactly one matches. */
  value(name: string, labels: Record<string, string> = {}): number {
    const s = this.samples(name, labels);
    if (s.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${s.length} samples, expected 1`);
    return Number(s[0]!.value);
  }
}
