#!/usr/bin/env node
// `npm run bench`: every benchmark in turn, each in its own process (a crash in one does not
// lose the others' results), then the report. Results go to bench/results/*.json and the
// tables and charts into BENCHMARKS.md. Apart from the tests on purpose: timings on a shared
// machine are measured and compared, never asserted.
//
//   npm run bench                      everything (about 50 minutes on 2 vCPUs)
//   npm run bench -- throughput cost   only these (throughput, cost, scale, footprint)
//   SIZES=2000 RUNS=1 npm run bench -- throughput   a quick look
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ALL = ['throughput', 'cost', 'scale', 'footprint'];
const picked = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const unknown = picked.filter((p) => !ALL.includes(p));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}

const failed = [];
for (const name of picked) {
  console.log(`\n=== bench/${name}.mjs ===`);
  const t = Date.now();
  const r = spawnSync(process.execPath, [join(import.meta.dirname, `${name}.mjs`)], {
    stdio: 'inherit',
  });
  console.log(
    `=== ${name}: ${r.status === 0 ? 'done' : `FAILED (${r.status ?? r.signal})`} in ${((Date.now() - t) / 60_000).toFixed(1)} min`,
  );
  if (r.status !== 0) failed.push(name);
}
spawnSync(process.execPath, [join(import.meta.dirname, 'report.mjs')], { stdio: 'inherit' });
if (failed.length) {
  console.error(`bench: ${failed.join(', ')} failed; their earlier results, if any, were kept`);
  process.exit(1);
}
