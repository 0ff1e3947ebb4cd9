#!/usr/bin/env node
// Runs the history-checked scenarios (test/scenarios) at soak size on every driver: 64 claimers x
// 50,000 jobs, 5,000 vanishing-claimer jobs, 25,000 reclaimed leases, 40 rounds of 11 concurrent
// cron ticks, and so on (test/scenarios/sizes.ts). Needs the machine's Redis and Postgres, like
// the tests. Ends with the checker's counts per driver, printed and written to
// bench/results/soak.json.
//
//   npm run soak                      every driver
//   npm run soak -- -t upstash        extra arguments go to vitest (here: only Upstash)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILES = ['memory', 'libsql', 'upstash', 'postgres'].map((f) => `test/scenarios/${f}.test.ts`);
const ANOMALIES = [
  'lost',
  'unexpected',
  'duplicates',
  'ackedTwice',
  'redeliveredAfterAck',
  'overlappingLeases',
  'unexplainedReexecutions',
  'staleAccepted',
  'ackedNotCompleted',
];

const dir = mkdtempSync(join(tmpdir(), 'edgeq-soak-'));
const report = join(dir, 'scenarios.jsonl');
writeFileSync(report, '');
const started = Date.now();
const run = spawnSync('npx', ['vitest', 'run', ...FILES, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, SOAK: '1', EDGEQ_SCENARIO_REPORT: report },
});
const lines = readFileSync(report, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
rmSync(dir, { recursive: true, force: true });

// One row per driver: scenarios checked, jobs and leases seen, and every anomaly count summed.
const drivers = new Map();
for (const l of lines) {
  const d = drivers.get(l.driver) ?? {
    driver: l.driver,
    scenarios: 0,
    jobs: 0,
    leases: 0,
    ops: 0,
    unknownOps: 0,
    seconds: 0,
    anomalies: Object.fromEntries(ANOMALIES.map((k) => [k, 0])),
  };
  d.scenarios++;
  d.jobs += l.stats.jobs;
  d.leases += l.stats.leases;
  d.ops += l.stats.ops;
  d.unknownOps += l.stats.unknownOps;
  d.seconds += l.ms / 1_000;
  for (const k of ANOMALIES) d.anomalies[k] += l.counts[k];
  drivers.set(l.driver, d);
}
const rows = [...drivers.values()];

const head = ['driver', 'scenarios', 'jobs', 'leases', 'ops', 'unknown', 's', ...ANOMALIES];
const body = rows.map((d) => [
  d.driver,
  d.scenarios,
  d.jobs,
  d.leases,
  d.ops,
  d.unknownOps,
  d.seconds.toFixed(0),
  ...ANOMALIES.map((k) => d.anomalies[k]),
]);
const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => String(c).padStart(widths[i])).join('  ');
console.log(`\nsoak: history checker counts per driver (all must be 0)\n`);
console.log(line(head));
for (const r of body) console.log(line(r));
const clean = rows.every((d) => ANOMALIES.every((k) => d.anomalies[k] === 0));
console.log(
  `\n${lines.length} scenario runs, ${clean ? 'no anomalies' : 'ANOMALIES FOUND'}, vitest exit ${run.status}, ${((Date.now() - started) / 60_000).toFixed(1)} min`,
);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/soak.json',
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      vitestExit: run.status,
      minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
      drivers: rows,
      scenarios: lines,
    },
    null,
    2,
  )}\n`,
);
console.log('written to bench/results/soak.json');
process.exit(run.status ?? 1);
