#!/usr/bin/env node
// Claim latency against queue depth and retained history, per driver: one consumer, claim 1
// then ack it, p50 and p99 over CLAIMS claims after a warm-up, at
//   (a) DEPTH (1,000) jobs queued;
//   (b) FILL (1,000,000) jobs queued;
//   (c) DEPTH queued with FILL completed jobs retained in the same queue.
// The question: does a claim cost the same at any depth and with any history (target: (b)/(a)
// and (c)/(a) within 1.5x)?
//
// Why it is fair: every store is filled through the runtime of dist/ (batches of 1,000: enqueue;
// for history, claim 1,000 and ack them with one ackMany), so it holds exactly what the driver
// writes, indexes and counters included. The one exception is Postgres history, inserted by one
// INSERT ... SELECT of completed rows as bench/postgres-claim-history.mjs does (rows outside the
// claim's partial index, as the driver leaves them), then ANALYZEd. After filling, rt.queues()
// must report the counts, or the scenario fails. Depth is held constant while measuring: each
// measured claim+ack is followed by an untimed enqueue of one job. A fresh store per scenario,
// dropped right after (memory: let go; Redis: keys by prefix; Postgres: schema; libSQL: file).
// Each fill's time is printed and stored; a fill that cannot finish in FILL_BUDGET_S is stopped
// and reported as such in the JSON, never silently shrunk.
//
//   node bench/scale.mjs     FILL=100000 for a quick run; DRIVERS=memory,libsql; CLAIMS=2000
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { endpoints, openDriver } from './lib/cost-drivers.mjs';
import { dist, PG_URL, ROOT } from './lib/services.mjs';
import { quantile, round } from './lib/stats.mjs';

const DEPTH = Number(process.env.DEPTH ?? 1_000);
const FILL = Number(process.env.FILL ?? 1_000_000);
const CLAIMS = Number(process.env.CLAIMS ?? 2_000);
const WARMUP = 100;
const BATCH = 1_000;
const FILL_BUDGET_S = Number(process.env.FILL_BUDGET_S ?? 240);
const DRIVERS = (process.env.DRIVERS ?? 'memory,libsql,upstash,postgres-pg').split(',');
const QUEUE = 'work';

const { createRuntime } = await dist('index.js');
const eps = endpoints();

const jobsOf = (n) => Array.from({ length: n }, () => ({ payload: {} }));

class FillTimeout extends Error {}

/** Enqueues `n` jobs in batches of BATCH; throws FillTimeout past the budget. */
async function fillQueued(rt, n, deadline) {
  for (let i = 0; i < n; i += BATCH) {
    if (performance.now() > deadline) throw new FillTimeout(`queued ${i} of ${n}`);
    await rt.enqueue(QUEUE, jobsOf(Math.min(BATCH, n - i)));
  }
}

/** Completes `n` jobs through the runtime: enqueue 1,000, claim them, ack them in one call. */
async function fillCompleted(rt, n, deadline) {
  for (let i = 0; i < n; i += BATCH) {
    if (performance.now() > deadline) throw new FillTimeout(`completed ${i} of ${n}`);
    const k = Math.min(BATCH, n - i);
    await rt.enqueue(QUEUE, jobsOf(k));
    const { jobs } = await rt.claim(QUEUE, { limit: k });
    if (jobs.length !== k) throw new Error(`history fill claimed ${jobs.length} of ${k}`);
    await rt.ackMany(jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken })));
  }
}

/**
 * Postgres history in one statement, the rows the driver leaves behind after an ack (state
 * 'completed', finished_at set), as bench/postgres-claim-history.mjs inserts them.
 */
async function fillCompletedPg(schema, n) {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`INSERT INTO "${schema}".jobs (ns, id, queue, state, payload, priority,
        attempt, max_attempts, run_at, lease_ms, created_at, updated_at, finished_at)
      SELECT 'default', 'h' || lpad(g::text, 9, '0'), '${QUEUE}', 'completed', '{}', 0, 1, 5, 0,
        30000, 0, 0, ${Date.now()} FROM generate_series(1, ${n}) g`);
    await admin.query(`ANALYZE "${schema}".jobs`);
  } finally {
    await admin.end();
  }
}

async function analyze(schema) {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`ANALYZE "${schema}".jobs`);
  } finally {
    await admin.end();
  }
}

async function counts(rt) {
  const q = (await rt.queues()).find((x) => x.name === QUEUE);
  return q?.counts ?? {};
}

/** Claim 1 + ack, CLAIMS times after WARMUP, depth held by an untimed enqueue of 1 after each. */
async function measureClaims(rt) {
  const times = new Float64Array(CLAIMS);
  for (let i = 0; i < WARMUP + CLAIMS; i++) {
    const t = performance.now();
    const { jobs } = await rt.claim(QUEUE, { limit: 1 });
    const ms = performance.now() - t;
    if (jobs.length !== 1) throw new Error(`queue ran dry at claim ${i}`);
    if (i >= WARMUP) times[i - WARMUP] = ms;
    await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken });
    await rt.enqueue(QUEUE, jobsOf(1));
  }
  return { p50Ms: round(quantile(times, 0.5), 3), p99Ms: round(quantile(times, 0.99), 3) };
}

async function scenario(name, which) {
  const d = await openDriver(name, eps);
  const out = { scenario: which };
  try {
    const rt = createRuntime({ driver: d.driver });
    await d.driver.loadScripts?.();
    const t = performance.now();
    const deadline = t + FILL_BUDGET_S * 1000;
    if (which === 'depth') {
      await fillQueued(rt, DEPTH, deadline);
    } else if (which === 'deep') {
      await fillQueued(rt, FILL, deadline);
    } else if (name === 'postgres-pg') {
      await rt.enqueue(QUEUE, jobsOf(1)); // migrates and creates the queue
      await fillCompletedPg(d.schema, FILL);
      out.fillMethod = 'one INSERT ... SELECT generate_series of completed rows, then ANALYZE';
      await fillQueued(rt, DEPTH - 1, deadline);
    } else {
      await fillCompleted(rt, FILL, deadline);
      await fillQueued(rt, DEPTH, deadline);
    }
    if (name.startsWith('postgres')) {
      // What autovacuum's analyze does after a bulk change. This machine's Postgres runs with
      // autovacuum off (its CI config); without fresh statistics the planner believes the table
      // is empty and sorts all 1,000,000 rows for every claim (0.7 s), as any Postgres would
      // until its first analyze.
      await analyze(d.schema);
      out.analyzed = true;
    }
    out.fillMs = Math.round(performance.now() - t);
    out.fillMethod ??= 'through the runtime in batches of 1,000';
    const c = await counts(rt);
    out.countsAfterFill = c;
    const wantQueued = which === 'deep' ? FILL : DEPTH;
    const wantCompleted = which === 'history' ? FILL : 0;
    const queued = c.waiting ?? c.queued ?? 0;
    if (queued !== wantQueued || (c.completed ?? 0) < wantCompleted) {
      throw new Error(`after filling, the driver reports ${JSON.stringify(c)}`);
    }
    console.log(`${name.padEnd(12)} ${which.padEnd(8)} fill ${out.fillMs} ms ${JSON.stringify(c)}`);
    Object.assign(out, await measureClaims(rt));
    console.log(
      `${name.padEnd(12)} ${which.padEnd(8)} claim p50 ${out.p50Ms} ms p99 ${out.p99Ms} ms`,
    );
  } catch (err) {
    if (!(err instanceof FillTimeout)) throw err;
    out.notFilled = `fill budget of ${FILL_BUDGET_S} s ran out: ${err.message}`;
    console.log(`${name.padEnd(12)} ${which.padEnd(8)} NOT MEASURED: ${out.notFilled}`);
  } finally {
    const t = performance.now();
    await d.close();
    out.cleanupMs = Math.round(performance.now() - t);
  }
  return out;
}

const started = performance.now();
const results = {};
try {
  for (const name of DRIVERS) {
    const r = {};
    try {
      r.depth = await scenario(name, 'depth');
      r.deep = await scenario(name, 'deep');
      r.history = await scenario(name, 'history');
      const ratio = (x) =>
        x?.p50Ms !== undefined && r.depth.p50Ms ? round(x.p50Ms / r.depth.p50Ms, 3) : null;
      r.ratioDeep = ratio(r.deep);
      r.ratioHistory = ratio(r.history);
      r.withinTarget = {
        deep: r.ratioDeep === null ? null : r.ratioDeep <= 1.5,
        history: r.ratioHistory === null ? null : r.ratioHistory <= 1.5,
      };
    } catch (err) {
      r.error = String(err?.stack ?? err);
      console.error(`${name}: FAILED: ${err?.message ?? err}`);
    }
    results[name] = r;
  }
} finally {
  await eps.close();
}

const report = {
  what: 'claim latency (claim 1 then ack, one consumer) at (a) depth queued, (b) fill queued, (c) depth queued with fill completed jobs retained, per driver; ratios (b)/(a) and (c)/(a) of the p50, target <= 1.5',
  date: new Date().toISOString(),
  node: process.version,
  sizes: { depth: DEPTH, fill: FILL, claims: CLAIMS, warmup: WARMUP, fillBatch: BATCH },
  fillBudgetSeconds: FILL_BUDGET_S,
  totalMs: Math.round(performance.now() - started),
  notes: [
    'Upstash runs through the local REST endpoint (bench/lib/services.mjs) on the machine Redis; Postgres over node-postgres on the local server; libSQL on a local file.',
    'Depth is held constant during measurement by one untimed enqueue after each ack.',
    'Other benchmarks may share the machine: compare ratios from the same run, not absolute times across runs.',
  ],
  results,
};
writeFileSync(join(ROOT, 'bench/results/scale.json'), `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nclaim p50 / p99 (ms); ratio of p50 to (a); fill ${FILL}, depth ${DEPTH}`);
for (const [name, r] of Object.entries(results)) {
  if (r.error) {
    console.log(`${name.padEnd(12)} FAILED (see JSON)`);
    continue;
  }
  const f = (x) => (x.p50Ms === undefined ? 'not measured' : `${x.p50Ms} / ${x.p99Ms}`);
  console.log(
    `${name.padEnd(12)} (a) ${f(r.depth)}   (b) ${f(r.deep)} x${r.ratioDeep}   (c) ${f(r.history)} x${r.ratioHistory}`,
  );
}
console.log(`total ${Math.round((performance.now() - started) / 1000)} s`);
