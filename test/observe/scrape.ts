/**
 * Reads a Prometheus text exposition with a real parser (parse-prometheus-text-format, a port
 * of the Python client's parser) and checks what it cannot: that every sample's family was
 * declared first, and that each histogram series is cumulative and ends in `+Inf` = `_count`.
 *
 * The parser folds all series of a labelled histogram into one and drops their `_sum` and
 * `_count`; so samples are read a second time with the histogram TYPE lines taken out, which
 * makes `x_bucket`, `x_sum` and `x_count` plain families with every label kept.
 */
import parse from 'parse-prometheus-text-format';
import { expect } from 'vitest';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  types: Map<string, string>;
  help: Map<string, string>;
  /** The samples of one sample name (`edgeq_jobs`, `edgeq_claim_duration_seconds_bucket`). */
  samples(name: string): Sample[];
  /** The one sample with exactly these labels, or undefined. */
  value(name: string, labels: Record<string, string>): number | undefined;
}

const same = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(b).every(([k, v]) => a[k] === v);

export function scrape(text: string): Scrape {
  const families = parse(text);
  const types = new Map(families.map((f) => [f.name, f.type.toLowerCase()]));
  const help = new Map(families.map((f) => [f.name, f.help]));
  const flat = parse(text.replace(/^# TYPE \S+ histogram\n/gm, ''));
  const byName = new Map<string, Sample[]>();
  for (const f of flat) {
    const samples = f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
    byName.set(f.name, [...(byName.get(f.name) ?? []), ...samples]);
  }

  // Each sample line belongs to a family whose HELP and TYPE came before it.
  const declared = new Set<string>();
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
    if (meta) {
      declared.add(meta[2]!);
      continue;
    }
    if (!line) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '';
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(declared.has(name) || declared.has(family), line).toBe(true);
  }
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const buckets = byName.get(`${name}_bucket`) ?? [];
    for (const count of byName.get(`${name}_count`) ?? []) {
      const own = buckets.filter((b) => same(withoutLe(b.labels), count.labels));
      const bounds = own.map((b) => b.labels.le!);
      expect(bounds.at(-1), name).toBe('+Inf');
      const numeric = bounds.slice(0, -1).map(Number);
      expect(numeric, name).toEqual([...numeric].sort((x, y) => x - y));
      const values = own.map((b) => b.value);
      expect(values, `${name} is cumulative`).toEqual([...values].sort((x, y) => x - y));
      expect(values.at(-1), `${name} +Inf = count`).toBe(count.value);
      const sum = (byName.get(`${name}_sum`) ?? []).find((s) => same(s.labels, count.labels));
      expect(sum, `${name}_sum`).toBeDefined();
    }
  }
  return {
    types,
    help,
    samples: (name) => byName.get(name) ?? [],
    value: (name, labels) => byName.get(name)?.find((s) => same(s.labels, labels))?.value,
  };
}

function withoutLe(labels: Record<string, string>): Record<string, string> {
  const { le: _, ...rest } = labels;
  return rest;
}
