#!/usr/bin/env node
// Claim latency on Postgres with 1,000,000 finished jobs retained vs an empty table: finished
// history sits outside the claim's partial index, so it should not slow a claim down (target:
// within 1.5x). Runs on the built package (npm run build) against DATABASE_URL (default: the
// local test database); writes bench/results/postgres-claim-history.json.
//
//   npm run bench:pg-history            HISTORY=200000 for a quicker run
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { PostgresDriver, pgTransport } from '../dist/drivers/postgres/index.js';
import { createRuntime } from '../dist/index.js';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const HISTORY = Number(process.env.HISTORY ?? 1_000_000);
const JOBS = Number(process.env.JOBS ?? 2_000);
const admin = new pg.Pool({ connectionString: URL, max: 1 });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];

async function measure(label, history) {
  const schema = `edgeq_bench_${label}`;
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const driver = new PostgresDriver({ transport: pgTransport(URL), schema });
  await driver.migrate();
  if (history > 0) {
    const t0 = performance.now();
    await admin.query(`INSERT INTO "${schema}".jobs (ns, id, queue, state, payload, priority,
        attempt, max_attempts, run_at, lease_ms, created_at, updated_at, finished_at)
      SELECT 'default', 'h' || lpad(g::text, 9, '0'), 'work', 'completed', '{}', 0, 1, 5, 0,
        30000, 0, 0, 1 FROM generate_series(1, ${history}) g`);
    await admin.query(`ANALYZE "${schema}".jobs`);
    console.log(
      `${label}: inserted ${history} finished jobs in ${Math.round(performance.now() - t0)} ms`,
    );
  }
  const rt = createRuntime({ driver });
  await rt.enqueue(
    'work',
    Array.from({ length: JOBS }, (_, i) => ({ payload: { i } })),
  );
  const times = [];
  for (let i = 0; i < JOBS; i++) {
    const t = performance.now();
    const { jobs } = await rt.claim('work', { limit: 1 });
    times.push(performance.now() - t);
    await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken });
  }
  await driver.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const out = { history, claims: JOBS, medianMs: median(times), p99Ms: pct(times, 0.99) };
  console.log(label, out);
  return out;
}

const empty = await measure('empty', 0);
const full = await measure('history', HISTORY);
const result = {
  what: 'Postgres claim latency (limit 1, node-postgres, local server): empty table vs finished history',
  date: new Date().toISOString(),
  node: process.version,
  empty,
  withHistory: full,
  ratio: Number((full.medianMs / empty.medianMs).toFixed(3)),
  target: 'ratio <= 1.5',
};
writeFileSync('bench/results/postgres-claim-history.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `median claim: ${empty.medianMs.toFixed(3)} ms empty, ${full.medianMs.toFixed(3)} ms with ${HISTORY} finished jobs: ratio ${result.ratio}`,
);
await admin.end();
