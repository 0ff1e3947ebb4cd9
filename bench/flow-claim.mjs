#!/usr/bin/env node
// Claim cost of flow control, per driver, in one run: claim + ack latency (limit 1, one
// claimer) on a queue without settings, on the code from before flow control (BASE_REV, built
// into a temporary worktree) and on this checkout; then on this checkout under each limit.
// The question it answers: are claims on queues without limits slowed, and what does a limit
// cost? Writes bench/results/flow-claim.json.
//
//   npm run bench:flow           JOBS=500 for a quicker run; DRIVERS=memory,libsql to pick
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';

const ROOT = resolve(import.meta.dirname, '..');
/** The last commit before flow control (issue 6). */
const BASE_REV = process.env.BASE_REV ?? '7d35113';
const JOBS = Number(process.env.JOBS ?? 2_000);
const RUNS = Number(process.env.RUNS ?? 3);
const DRIVERS = (process.env.DRIVERS ?? 'memory,libsql,postgres,upstash').split(',');
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];

/** Builds BASE_REV's package in a temporary worktree sharing this checkout's node_modules. */
function buildBase() {
  const dir = mkdtempSync(join(tmpdir(), 'edgeq-base-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, BASE_REV], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir });
  return dir;
}

/** The local Upstash REST endpoint the tests use, bundled from TypeScript. */
async function upstashEndpoint() {
  const out = join(mkdtempSync(join(tmpdir(), 'edgeq-bench-')), 'upstash-server.mjs');
  await build({
    entryPoints: [join(ROOT, 'test/support/upstash-server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
  });
  const { startUpstashServer } = await import(pathToFileURL(out).href);
  return startUpstashServer();
}

/** Opens a fresh, empty store for one measurement; returns the driver and its cleanup. */
async function open(dist, name, tag, upstash) {
  const mod = (p) => import(pathToFileURL(join(dist, 'dist', p)).href);
  if (name === 'memory') return { driver: (await mod('drivers/memory/index.js')).memoryDriver() };
  if (name === 'libsql') {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-bench-'));
    const driver = (await mod('drivers/libsql/index.js')).libsqlDriver({ url: `file:${dir}/b.db` });
    return { driver, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (name === 'postgres') {
    const { postgresDriver, pgTransport } = await mod('drivers/postgres/index.js');
    const schema = `edgeq_bench_flow_${tag.replace(/[^a-z0-9_]/g, '_')}`;
    const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    const driver = postgresDriver({ transport: pgTransport(PG_URL), schema });
    return {
      driver,
      cleanup: async () => {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      },
    };
  }
  const prefix = `{edgeqbench-${tag.replace(/[^a-z0-9_]/g, '_')}}`;
  const driver = (await mod('drivers/upstash/index.js')).upstashDriver({
    url: upstash.url,
    token: upstash.token,
    prefix,
  });
  await driver.loadScripts();
  return { driver };
}

const SCENARIOS = {
  none: { settings: undefined, job: () => ({}) },
  concurrency: { settings: { concurrency: 50 }, job: () => ({}) },
  rate: { settings: { rate: { limit: 1_000_000, per: 'second', burst: 1_000 } }, job: () => ({}) },
  groups: {
    settings: { groupConcurrency: 5 },
    job: (i) => ({ group: `tenant-${i % 100}` }),
  },
};

async function measure(dist, driverName, scenario, tag, upstash) {
  const { driver, cleanup } = await open(dist, driverName, tag, upstash);
  const { createRuntime } = await import(pathToFileURL(join(dist, 'dist/index.js')).href);
  const rt = createRuntime({ driver });
  const s = SCENARIOS[scenario];
  if (s.settings) await rt.putSettings('work', s.settings);
  for (let i = 0; i < JOBS; i += 1_000) {
    const n = Math.min(1_000, JOBS - i);
    await rt.enqueue(
      'work',
      Array.from({ length: n }, (_, k) => ({ payload: { i: i + k }, ...s.job(i + k) })),
    );
  }
  // Warm-up: first-use migration or script load, JIT.
  for (let i = 0; i < 20; i++) {
    const { jobs } = await rt.claim('work', { limit: 1 });
    await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken });
  }
  const times = [];
  for (let i = 20; i < JOBS; i++) {
    const t = performance.now();
    const { jobs } = await rt.claim('work', { limit: 1 });
    times.push(performance.now() - t);
    if (!jobs[0]) throw new Error(`${driverName}/${scenario}: queue ran dry at ${i}`);
    await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken });
  }
  await driver.close();
  await cleanup?.();
  return { medianMs: median(times), p99Ms: pct(times, 0.99) };
}

/** Enqueue latency, batches of 100 (no settings): the cost of settings lookups at enqueue. */
async function measureEnqueue(dist, driverName, tag, upstash) {
  const { driver, cleanup } = await open(dist, driverName, tag, upstash);
  const { createRuntime } = await import(pathToFileURL(join(dist, 'dist/index.js')).href);
  const rt = createRuntime({ driver });
  const batch = () => Array.from({ length: 100 }, (_, i) => ({ payload: { i } }));
  for (let i = 0; i < 5; i++) await rt.enqueue('work', batch());
  const times = [];
  for (let i = 0; i < Math.max(20, JOBS / 100); i++) {
    const t = performance.now();
    await rt.enqueue('work', batch());
    times.push(performance.now() - t);
  }
  await driver.close();
  await cleanup?.();
  return { medianMs: median(times), p99Ms: pct(times, 0.99) };
}

/** Median of RUNS runs, with min and max of the run medians. */
async function runs(dist, driverName, scenario, label, upstash) {
  const meds = [];
  let p99 = 0;
  for (let r = 0; r < RUNS; r++) {
    const tag = `${label}_${r}`;
    const m =
      scenario === 'enqueue'
        ? await measureEnqueue(dist, driverName, tag, upstash)
        : await measure(dist, driverName, scenario, tag, upstash);
    meds.push(m.medianMs);
    p99 = Math.max(p99, m.p99Ms);
  }
  const out = {
    medianMs: median(meds),
    minMs: Math.min(...meds),
    maxMs: Math.max(...meds),
    worstP99Ms: p99,
  };
  console.log(`${driverName.padEnd(9)} ${label.padEnd(20)} median ${out.medianMs.toFixed(3)} ms`);
  return out;
}

const base = buildBase();
const upstash = DRIVERS.includes('upstash') ? await upstashEndpoint() : undefined;
const results = {};
try {
  for (const d of DRIVERS) {
    const before = await runs(base, d, 'none', 'none@base', upstash);
    const row = { none_base: before };
    for (const scenario of Object.keys(SCENARIOS)) {
      row[scenario] = await runs(ROOT, d, scenario, `${scenario}@head`, upstash);
    }
    row.noLimitsRatio = Number((row.none.medianMs / before.medianMs).toFixed(3));
    row.enqueue100_base = await runs(base, d, 'enqueue', 'enqueue100@base', upstash);
    row.enqueue100 = await runs(ROOT, d, 'enqueue', 'enqueue100@head', upstash);
    row.enqueueRatio = Number((row.enqueue100.medianMs / row.enqueue100_base.medianMs).toFixed(3));
    results[d] = row;
  }
} finally {
  await upstash?.close();
  execFileSync('git', ['worktree', 'remove', '--force', base], { cwd: ROOT, stdio: 'ignore' });
}

const report = {
  what: 'claim latency (limit 1, one claimer, claim then ack), per driver: before flow control vs now, and under each limit',
  date: new Date().toISOString(),
  node: process.version,
  baseRev: BASE_REV,
  jobs: JOBS,
  runs: RUNS,
  scenarios: {
    none: 'no settings stored',
    concurrency: 'concurrency 50',
    rate: 'rate 1,000,000 per second, burst 1,000 (never binding: measures the bookkeeping)',
    groups: 'groupConcurrency 5, jobs spread over 100 group keys',
    enqueue100: 'one enqueue call of 100 jobs, no settings stored',
  },
  results,
};
if (!existsSync(join(ROOT, 'bench/results'))) throw new Error('run from the repository');
writeFileSync(join(ROOT, 'bench/results/flow-claim.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  '\ndriver     claim, no limits: before -> now (ratio)   concurrency   rate   groups   enqueue x100: before -> now (ratio)',
);
for (const [d, r] of Object.entries(results)) {
  const f = (x) => `${x.medianMs.toFixed(3)} ms`;
  console.log(
    `${d.padEnd(10)} ${f(r.none_base)} -> ${f(r.none)} (${r.noLimitsRatio})   ${f(r.concurrency)}   ${f(r.rate)}   ${f(r.groups)}   ${f(r.enqueue100_base)} -> ${f(r.enqueue100)} (${r.enqueueRatio})`,
  );
}
