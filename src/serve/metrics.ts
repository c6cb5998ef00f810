// Counters, gauges and histograms, rendered in Prometheus' text format
// (version 0.0.4). Series are created on first use; a label set is a key.

export type Kind = 'counter' | 'gauge' | 'histogram';
type Labels = Record<string, string>;

/** seconds: from a fast in-memory fusion to a slow upstream batch */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One labelled series; hold on to it to update it without building its key. */
export interface Series {
  labels: string;
  value: number;
  counts?: Float64Array;
  sum?: number;
}

interface Family {
  help: string;
  kind: Kind;
  series: Map<string, Series>;
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const key = (labels: Labels) => Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
const fmt = (x: number) => (Number.isFinite(x) ? String(x) : x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN');

export class Metrics {
  private families = new Map<string, Family>();

  define(name: string, kind: Kind, help: string): void {
    this.families.set(name, { help, kind, series: new Map() });
  }

  series(name: string, labels: Labels): Series {
    const f = this.families.get(name)!;
    const k = key(labels);
    let s = f.series.get(k);
    if (!s) {
      s = { labels: k, value: 0 };
      if (f.kind === 'histogram') {
        s.counts = new Float64Array(BUCKETS.length);
        s.sum = 0;
      }
      f.series.set(k, s);
    }
    return s;
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    this.series(name, labels).value += by;
  }

  set(name: string, labels: Labels, value: number): void {
    this.series(name, labels).value = value;
  }

  get(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.series.get(key(labels))?.value ?? 0;
  }

  /** Observe one value (seconds) of a histogram. */
  observe(name: string, labels: Labels, v: number): void {
    Metrics.observe(this.series(name, labels), v);
  }

  static observe(s: Series, v: number): void {
    s.value++;
    s.sum! += v;
    for (let b = 0; b < BUCKETS.length; b++) if (v <= BUCKETS[b]) s.counts![b]++;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.kind}`);
      for (const s of f.series.values()) {
        const l = s.labels;
        if (f.kind !== 'histogram') {
          out.push(`${name}${l ? `{${l}}` : ''} ${fmt(s.value)}`);
          continue;
        }
        const sep = l ? ',' : '';
        BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${l}${sep}le="${b}"} ${s.counts![i]}`));
        out.push(`${name}_bucket{${l}${sep}le="+Inf"} ${s.value}`, `${name}_sum${l ? `{${l}}` : ''} ${fmt(s.sum!)}`, `${name}_count${l ? `{${l}}` : ''} ${s.value}`);
      }
    }
    return out.join('\n') + '\n';
  }
}
