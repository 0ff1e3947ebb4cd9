// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package or source area and the
// top functions, which is what BENCHMARKS.md quotes when it explains where the time goes.
import { readFileSync } from 'node:fs';

/** Where a frame's code lives: an npm package, an edgeq source area, node internals, or V8. */
export function area(url, name) {
  if (!url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)' || name === '(program)') return name;
    return 'V8 / native';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(dist|src)\/([^/]+)\//.exec(url);
  if (own) return `edgeq ${own[2]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  if (url.includes('/bench/')) return 'bench harness';
  return url;
}

/** `{ totalMs, byArea: [{area, ms, pct}], top: [{fn, area, ms, pct}] }` of one profile. */
export function summarise(path, { top = 15 } = {}) {
  const p = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i];
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  let total = 0;
  const areas = new Map();
  const fns = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const name = n.callFrame.functionName || '(anonymous)';
    const a = area(n.callFrame.url, name);
    if (a === '(idle)') continue;
    total += us;
    areas.set(a, (areas.get(a) ?? 0) + us);
    const line = n.callFrame.lineNumber >= 0 ? `:${n.callFrame.lineNumber + 1}` : '';
    const file = n.callFrame.url.split('/').slice(-1)[0];
    const key = `${name} (${file}${line})`;
    const f = fns.get(key) ?? { fn: key, area: a, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  const pct = (us) => Number(((100 * us) / total).toFixed(1));
  return {
    totalMs: Math.round(total / 1_000),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .map(([a, us]) => ({ area: a, ms: Math.round(us / 1_000), pct: pct(us) })),
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, area: f.area, ms: Math.round(f.us / 1_000), pct: pct(f.us) })),
  };
}
