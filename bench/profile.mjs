#!/usr/bin/env node
// Where the time goes: one end-to-end run of one system under V8's CPU profiler, summarised by
// package and by function (bench/lib/cpuprofile.mjs). For a runtime target the profile is of
// this process (consumers, runtime, driver, client library); for an HTTP target it is of the
// `edgeq serve` process (the client side is the same undici loop for every system). The local
// Upstash / Neon endpoints run in their own processes, as the hosted services would.
// Writes bench/results/profile-<system>.json.
//
//   node bench/profile.mjs edgeq-http-upstash [batch=100] [concurrency=10] [n=10000]
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarise } from './lib/cpuprofile.mjs';
import { measureEndToEnd } from './lib/measure.mjs';
import { ROOT } from './lib/services.mjs';

const [name = 'edgeq-http-upstash', batch = '100', concurrency = '10', n = '10000'] =
  process.argv.slice(2);
const spec = { n: Number(n), batch: Number(batch), concurrency: Number(concurrency) };
const dir = mkdtempSync(join(tmpdir(), 'edgeq-prof-'));
const http = name.startsWith('edgeq-http-');
if (http) process.env.EDGEQ_BENCH_SERVE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`;

const edgeq = await import('./systems/edgeq.mjs');
const sys = (await edgeq.systems()).find((s) => s.name === name);
if (!sys) {
  console.error(`profile: no system ${name}`);
  process.exit(2);
}

let profilePath;
let result;
if (http) {
  result = await measureEndToEnd(sys, spec); // close() stops serve, which writes its profile
  profilePath = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
  );
} else {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  result = await measureEndToEnd(sys, spec);
  const { profile } = await session.post('Profiler.stop');
  profilePath = join(dir, 'runtime.cpuprofile');
  writeFileSync(profilePath, JSON.stringify(profile));
}
await edgeq.shutdown();

const summary = summarise(profilePath, { top: 20 });
rmSync(dir, { recursive: true, force: true });
const out = {
  what: `CPU profile of one end-to-end run (${http ? 'the edgeq serve process' : 'the measuring process: consumers, runtime, driver and client'})`,
  date: new Date().toISOString(),
  node: process.version,
  system: name,
  spec,
  result,
  ...summary,
};
writeFileSync(
  join(ROOT, `bench/results/profile-${name}.json`),
  `${JSON.stringify(out, null, 2)}\n`,
);
console.log(`${name}: ${result.jobsPerSec} jobs/s; ${summary.totalMs} ms CPU profiled`);
console.table(summary.byArea.slice(0, 12));
console.table(summary.top.slice(0, 15));
process.exit(0);
