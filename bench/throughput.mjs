#!/usr/bin/env node
// Throughput side by side: edgeq (each driver, through the runtime and through `edgeq serve`'s
// HTTP API) against BullMQ on the same Redis and pg-boss and graphile-worker on the same
// Postgres, all in one run on this machine. Every system is timed by the same code
// (bench/lib/measure.mjs): enqueue jobs/s at 1 and 100 jobs per call, and end to end (enqueue to
// all acked) at claim batches of 1 and 100 and 1, 10 and 50 consumers, with enqueue-to-claim
// latency. Runs are interleaved (every system once per round, RUNS rounds) so that drift on this
// shared machine hits every system alike; each figure is the median of the rounds with min and
// max. Writes bench/results/throughput.json; bench/report.mjs turns it into BENCHMARKS.md.
//
//   node bench/throughput.mjs
//   SIZES=10000,50000 RUNS=3        sizes and rounds (defaults)
//   CAP_SECONDS=8                   skip a run projected (from the smaller size) to take longer
//                                   than this, recorded as skipped; 0 runs everything
//   PROBE=2000                      (default) one round at this size first, so the
//                                   cap can project the first size's runs too (0: no probe)
//   SYSTEMS=edgeq,bullmq,pgboss,graphile  DRIVERS=memory,libsql,...  TARGETS=runtime,http
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { measureEndToEnd, measureEnqueue } from './lib/measure.mjs';
import { PG_URL, ROOT } from './lib/services.mjs';
import { round, summary } from './lib/stats.mjs';

const SIZES = (process.env.SIZES ?? '10000,50000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const CAP_MS = Number(process.env.CAP_SECONDS ?? 8) * 1_000;
// A probe only helps below the first size (at or above it, it would mix with its rounds).
const PROBE_ASKED = Number(process.env.PROBE ?? 2_000);
const PROBE = PROBE_ASKED > 0 && PROBE_ASKED < Math.min(...SIZES) ? PROBE_ASKED : 0;
/** The sizes run: the probe (one round, kept in the JSON as `probe: true`), then SIZES. */
const PLAN = [
  ...(PROBE > 0 ? [{ n: PROBE, rounds: 1 }] : []),
  ...SIZES.map((n) => ({ n, rounds: RUNS })),
];
const ALL_SIZES = PLAN.map((p) => p.n);
const PICK = (process.env.SYSTEMS ?? 'edgeq,bullmq,pgboss,graphile').split(',');
const BATCHES = [1, 100];
const CONCURRENCY = [1, 10, 50];

/** Every system of this run, with the backend it shares with its peers. */
async function loadSystems() {
  const out = [];
  if (PICK.includes('edgeq')) {
    const { systems } = await import('./systems/edgeq.mjs');
    const opts = {};
    if (process.env.DRIVERS) opts.drivers = process.env.DRIVERS.split(',');
    if (process.env.TARGETS) opts.targets = process.env.TARGETS.split(',');
    out.push(...(await systems(opts)));
  }
  if (PICK.includes('bullmq')) out.push((await import('./systems/bullmq.mjs')).system());
  if (PICK.includes('pgboss')) out.push((await import('./systems/pgboss.mjs')).system());
  if (PICK.includes('graphile')) out.push(...(await import('./systems/graphile.mjs')).systems());
  return out;
}

/** Which product a system is and which store it shares with its peers (for the ratios). */
function classify(s) {
  const n = s.name.toLowerCase();
  const family =
    s.family ??
    (n.startsWith('bullmq')
      ? 'bullmq'
      : n.startsWith('pg-boss') || n.startsWith('pgboss')
        ? 'pg-boss'
        : n.startsWith('graphile')
          ? 'graphile-worker'
          : 'edgeq');
  const d = `${s.driver ?? n}`;
  const backend =
    s.backend ??
    (family === 'bullmq'
      ? 'redis'
      : family !== 'edgeq'
        ? 'postgres'
        : d.includes('upstash')
          ? 'redis'
          : d.includes('postgres')
            ? 'postgres'
            : d.includes('libsql')
              ? 'sqlite'
              : 'memory');
  return Object.assign(s, { family, backend });
}

/** The cells of the matrix: what is measured, at which batch size and concurrency. */
function cells() {
  const out = BATCHES.map((batch) => ({ kind: 'enqueue', batch, concurrency: 1 }));
  for (const batch of BATCHES) {
    for (const concurrency of CONCURRENCY) out.push({ kind: 'e2e', batch, concurrency });
  }
  return out;
}

const key = (sys, cell, n) => `${sys.name}|${cell.kind}|${cell.batch}|${cell.concurrency}|${n}`;

function machine() {
  const out = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGiB: round(totalmem() / 2 ** 30, 1),
  };
  try {
    out.redis = execFileSync('redis-server', ['--version']).toString().trim();
  } catch {}
  return out;
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'))
      .version;
  } catch {
    return undefined;
  }
}

const systems = (await loadSystems()).map(classify);
const runs = new Map(); // key -> [result...]
const skipped = new Map(); // key -> reason
const started = Date.now();

for (const { n, rounds } of PLAN) {
  for (let round_ = 0; round_ < rounds; round_++) {
    for (const cell of cells()) {
      for (const sys of systems) {
        const k = key(sys, cell, n);
        if (skipped.has(k)) continue;
        // Project this run's time from the same cell at the previous size, or this size's
        // earlier rounds, and skip what would blow the budget.
        const prev = ALL_SIZES[ALL_SIZES.indexOf(n) - 1];
        // Skipped by the cap at the smaller size: slower still at this one.
        const before = prev ? skipped.get(key(sys, cell, prev)) : undefined;
        if (CAP_MS > 0 && before?.startsWith('projected')) {
          skipped.set(k, `${before} at ${prev.toLocaleString('en-US')} jobs already`);
          continue;
        }
        const seen = runs.get(k) ?? (prev ? runs.get(key(sys, cell, prev)) : undefined);
        if (CAP_MS > 0 && seen?.length) {
          const scale = runs.get(k) ? 1 : n / prev;
          const projected = Math.min(...seen.map((r) => r.ms)) * scale;
          if (projected > CAP_MS) {
            skipped.set(
              k,
              `projected ${Math.round(projected / 1_000)} s per run > CAP_SECONDS=${CAP_MS / 1_000}`,
            );
            continue;
          }
        }
        const spec = { n, batch: cell.batch, concurrency: cell.concurrency };
        const label = `${sys.name.padEnd(34)} ${cell.kind.padEnd(7)} n=${n} b=${cell.batch} c=${cell.concurrency}`;
        try {
          const r =
            cell.kind === 'enqueue'
              ? await measureEnqueue(sys, spec)
              : await measureEndToEnd(sys, spec);
          runs.set(k, [...(runs.get(k) ?? []), r]);
          const lat = r.p50Ms !== undefined ? ` p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms` : '';
          console.log(`${label}  ${String(r.jobsPerSec).padStart(9)} jobs/s${lat}`);
        } catch (err) {
          skipped.set(k, `failed: ${String(err?.message ?? err).slice(0, 200)}`);
          console.log(`${label}  FAILED ${err?.message ?? err}`);
        }
      }
    }
  }
}

const results = [];
for (const n of ALL_SIZES) {
  for (const cell of cells()) {
    for (const sys of systems) {
      const k = key(sys, cell, n);
      const rs = runs.get(k) ?? [];
      const row = {
        system: sys.name,
        label: sys.label,
        family: sys.family,
        backend: sys.backend,
        driver: sys.driver,
        target: sys.target,
        kind: cell.kind,
        n,
        batch: cell.batch,
        concurrency: cell.concurrency,
        ...(n === PROBE ? { probe: true } : {}),
      };
      if (skipped.has(k)) row.skipped = skipped.get(k);
      if (rs.length) {
        row.runs = rs.length;
        row.jobsPerSec = summary(rs.map((r) => r.jobsPerSec));
        if (rs[0].p50Ms !== undefined) {
          row.p50Ms = summary(rs.map((r) => r.p50Ms));
          row.p99Ms = summary(rs.map((r) => r.p99Ms));
        }
        if (rs[0].requestsPerJob !== undefined) {
          row.requestsPerJob = summary(rs.map((r) => r.requestsPerJob));
        }
        const redelivered = rs.reduce((a, r) => a + (r.redelivered ?? 0), 0);
        if (redelivered) row.redelivered = redelivered;
      }
      results.push(row);
    }
  }
}

let postgres;
try {
  const c = new pg.Client(PG_URL);
  await c.connect();
  postgres = (await c.query('SHOW server_version')).rows[0].server_version;
  await c.end();
} catch {}

const report = {
  what: 'enqueue jobs/s (one producer, 1 or 100 jobs per call) and end-to-end jobs/s (enqueue in 100s while consumers claim 1 or 100 per fetch and ack; clock stops when all are acked) with enqueue-to-claim latency, per system, no-op jobs',
  date: new Date().toISOString(),
  minutes: round((Date.now() - started) / 60_000, 1),
  node: process.version,
  machine: { ...machine(), postgres },
  versions: {
    edgeq: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    bullmq: versionOf('bullmq'),
    'pg-boss': versionOf('pg-boss'),
    'graphile-worker': versionOf('graphile-worker'),
    '@upstash/redis': versionOf('@upstash/redis'),
    '@neondatabase/serverless': versionOf('@neondatabase/serverless'),
    '@libsql/client': versionOf('@libsql/client'),
  },
  sizes: SIZES,
  rounds: RUNS,
  ...(PROBE > 0 ? { probe: PROBE } : {}),
  capSeconds: CAP_MS / 1_000,
  systems: systems.map((s) => ({
    name: s.name,
    label: s.label,
    family: s.family,
    backend: s.backend,
    driver: s.driver,
    target: s.target,
  })),
  results,
};
writeFileSync(join(ROOT, 'bench/results/throughput.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote bench/results/throughput.json (${report.minutes} min)`);
if (PICK.includes('edgeq')) await (await import('./systems/edgeq.mjs')).shutdown();
process.exit(0);
