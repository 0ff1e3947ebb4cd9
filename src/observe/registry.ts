/**
 * Counters, gauges and histograms kept in memory by one runtime instance, and their Prometheus
 * text exposition (format 0.0.4). No dependency: prom-client pulls in Node's modules, and a
 * Worker needs a few hundred lines, not a client library.
 *
 * Queue names come from callers, so a label set per queue could grow without bound: a family
 * holds at most `maxSeries` label sets, and past that new values of its `foldLabel` are counted
 * under `~other` (a value no queue name can take), so totals stay right and memory stays flat.
 *
 * @example
 * const enqueued = new Family('edgeq_jobs_enqueued_total', 'Jobs stored.', 'counter', ['queue']);
 * enqueued.inc({ queue: 'emails' });
 * render([enqueued]); // # HELP ...\n# TYPE ... counter\nedgeq_jobs_enqueued_total{queue="emails"} 1
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';
/** Label values by label name; an empty value is left out of the exposition. */
export type Labels = Readonly<Record<string, string>>;

/** One label set's numbers: `value` for counters and gauges, bucket counts for histograms. */
export interface Series {
  labels: Labels;
  value: number;
  /** Per bucket (not cumulative), the last one being +Inf. */
  buckets?: number[];
  sum?: number;
}

/** How a family bounds and buckets its series. */
export interface FamilyOptions {
  /** Histogram upper bounds, ascending (+Inf is added). */
  buckets?: readonly number[];
  /** Most label sets kept (default 1,000). */
  maxSeries?: number;
  /** The label whose new values are folded into `~other` once the family is full. */
  foldLabel?: string;
}

/** The label value unbounded labels fold into: `~` is not allowed in queue names. */
export const OTHER = '~other';
const SEP = '\u0000';

/** One metric family: its name, HELP, TYPE, label names and a series per label set. */
export class Family {
  readonly series = new Map<string, Series>();
  readonly buckets: readonly number[];
  readonly #maxSeries: number;
  readonly #foldLabel: string | undefined;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
    opts: FamilyOptions = {},
  ) {
    this.buckets = opts.buckets ?? [];
    this.#maxSeries = opts.maxSeries ?? 1_000;
    this.#foldLabel = opts.foldLabel;
  }

  #get(labels: Labels): Series {
    let key = this.labelNames.map((n) => labels[n] ?? '').join(SEP);
    let s = this.series.get(key);
    if (s) return s;
    let own = labels;
    if (this.series.size >= this.#maxSeries && this.#foldLabel) {
      own = { ...labels, [this.#foldLabel]: OTHER };
      key = this.labelNames.map((n) => own[n] ?? '').join(SEP);
      s = this.series.get(key);
      if (s) return s;
    }
    s = { labels: own, value: 0 };
    if (this.type === 'histogram') {
      s.buckets = new Array<number>(this.buckets.length + 1).fill(0);
      s.sum = 0;
    }
    this.series.set(key, s);
    return s;
  }

  /** Adds `by` (default 1) to a counter or gauge. */
  inc(labels: Labels, by = 1): void {
    if (by !== 0) this.#get(labels).value += by;
  }

  /** Sets a gauge. */
  set(labels: Labels, value: number): void {
    this.#get(labels).value = value;
  }

  /** Records one observation in a histogram. */
  observe(labels: Labels, value: number): void {
    const s = this.#get(labels);
    let i = this.buckets.findIndex((le) => value <= le);
    if (i < 0) i = this.buckets.length;
    s.buckets![i]!++;
    s.sum! += value;
    s.value++;
  }
}

/** A sample value as Prometheus reads it (Go's ParseFloat, plus +Inf / -Inf / NaN). */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).filter(([, v]) => v !== '');
  if (extra) pairs.push(extra);
  if (!pairs.length) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/**
 * The text exposition of `families`, with only the series `keep` accepts. Every family gets its
 * HELP and TYPE lines, samples or not, so a scraper sees what exists before it first moves.
 */
export function render(
  families: readonly Family[],
  keep: (s: Series) => boolean = () => true,
): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.series.values()) {
      if (!keep(s)) continue;
      if (f.type !== 'histogram') {
        out.push(`${f.name}${labelText(s.labels)} ${formatNumber(s.value)}`);
        continue;
      }
      // Buckets are cumulative in the exposition: each counts every observation up to its bound.
      let cumulative = 0;
      f.buckets.forEach((le, i) => {
        cumulative += s.buckets![i]!;
        out.push(`${f.name}_bucket${labelText(s.labels, ['le', formatNumber(le)])} ${cumulative}`);
      });
      out.push(`${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.value}`);
      out.push(`${f.name}_sum${labelText(s.labels)} ${formatNumber(s.sum!)}`);
      out.push(`${f.name}_count${labelText(s.labels)} ${s.value}`);
    }
  }
  return `${out.join('\n')}\n`;
}
