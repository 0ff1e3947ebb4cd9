// Small statistics helpers shared by the benchmarks.

/** The value at quantile `q` (0..1) of `xs`, nearest rank. */
export function quantile(xs, q) {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (xs) => quantile(xs, 0.5);

/** `{ median, min, max, runs }` of one figure over repeated runs. */
export function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
}

/** Wall-clock milliseconds, comparable across the producer and consumers of one process. */
export const nowMs = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rounds for JSON: 3 significant decimals are plenty for figures this noisy. */
export const round = (x, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);
