#!/usr/bin/env node
// Worker footprint (issue 8, part 4): what an edgeq Worker weighs and what a request costs in CPU
// inside workerd. Writes bench/results/footprint.json and prints a summary.
//
// 1. Bundle size per driver. One entry per driver in bench/footprint/ (memory, libsql, upstash,
//    postgres), each written as a user's project would be: `createWorker` from 'edgeq' plus one
//    driver from 'edgeq/drivers/<name>', resolved through package.json `exports` (wrangler
//    bundles with the `workerd` condition, so Upstash and Postgres get their Cloudflare builds),
//    plus the ready-made src/worker.ts (all four drivers). Each is built by the project's own
//    wrangler with `wrangler deploy --dry-run` and a generated config carrying the
//    compatibility_date and flags of wrangler.toml, so the bundle is byte for byte what
//    `wrangler deploy` would upload. We record the raw size, zlib's gzip of the bundle, what
//    wrangler prints as "Total Upload ... / gzip ...", and the same with `--minify` (a wrangler
//    option a user may turn on; the default build is not minified). From the esbuild metafile
//    we list where the bytes go (per package and the largest modules), before minification.
// 2. CPU per request inside workerd. The built memory Worker (and the Upstash one, against the
//    local Upstash REST endpoint on the machine's Redis) runs in workerd under Miniflare, as the
//    tests run it. For each kind of request (enqueue one job, claim limit 1, ack, GET /healthz as
//    a floor) we send N sequential requests and read the workerd process's CPU time
//    (utime + stime of /proc/<pid>/stat, clock ticks) before and after; ms per request is the
//    median of PASSES passes, also shown minus the /healthz floor. bench/footprint/bare.mjs, a
//    Worker with no imports, gives the floor below that (workerd plus Miniflare's routing, no
//    edgeq). Each request waits for the previous one: no overlap can hide or inflate the cost,
//    and the client (undici, keep-alive) runs in this process, so its CPU is not counted.
//    All of it is an upper bound on what Cloudflare bills and limits (the isolate's CPU): the
//    process time also includes workerd's HTTP parsing, Miniflare's entry Worker that routes
//    each request, and (Upstash) the subrequest's HTTP client. The sum of /proc/<pid>/task/*/schedstat (ns) is recorded too,
//    as a finer-grained cross-check of the tick count.
//
//   node bench/footprint.mjs        N=500 PASSES=3 for a quicker run; SKIP_UPSTASH=1 to skip it

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { Agent, request } from 'undici';
import { ROOT, startUpstash } from './lib/services.mjs';
import { median, round } from './lib/stats.mjs';

const N = Number(process.env.N ?? 2_000);
const PASSES = Number(process.env.PASSES ?? 3);
const WARMUP = Math.min(200, N);
const SKIP_UPSTASH = process.env.SKIP_UPSTASH === '1';
const TOKEN = `footprint-token-${Math.random().toString(36).slice(2, 10)}`;
const KiB = 1024;
const TARGET_GZIP_KIB = 100;
const TARGET_ENQUEUE_CPU_MS = 1;
const FREE_PLAN_CPU_MS = 10;

const require = createRequire(import.meta.url);
const version = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`))).version;

/** compatibility_date and compatibility_flags of the main wrangler.toml (the only keys we copy). */
function mainCompat() {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  const flagsRaw = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  const flags = flagsRaw ? [...flagsRaw.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  return { date, flags };
}
const COMPAT = mainCompat();

const TARGETS = [
  { name: 'memory', entry: 'bench/footprint/memory.mjs', oneDriver: true },
  { name: 'libsql', entry: 'bench/footprint/libsql.mjs', oneDriver: true },
  { name: 'upstash', entry: 'bench/footprint/upstash.mjs', oneDriver: true },
  { name: 'postgres', entry: 'bench/footprint/postgres.mjs', oneDriver: true },
  { name: 'ready-made (src/worker.ts, all drivers)', entry: 'src/worker.ts', oneDriver: false },
  // Not a bundle to weigh: the no-import Worker whose requests are the CPU floor.
  { name: 'bare', entry: 'bench/footprint/bare.mjs', floorOnly: true },
];

/** Runs the project's wrangler offline (no metrics, no account), as test/support/wrangler.ts. */
async function wrangler(args) {
  const bin = require.resolve('wrangler/bin/wrangler.js');
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      NO_COLOR: '1',
      CI: '1',
    },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return `${stdout}\n${stderr}`;
}

/** The npm package a metafile input belongs to, or the input itself for the project's files. */
function packageOf(input) {
  const i = input.lastIndexOf('node_modules/');
  if (i < 0) return input.includes('dist/') || input.includes('src/') ? 'edgeq' : input;
  const parts = input.slice(i + 'node_modules/'.length).split('/');
  const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  // zod's locale files are a large share of it and a separate fix from the rest of zod.
  if (pkg === 'zod' && parts.includes('locales')) return 'zod (locales)';
  return pkg;
}

/**
 * Gzip bytes of each package's code on its own, cut from the unminified bundle at the
 * `// <path>` comments esbuild writes before each module. An estimate: parts gzipped apart sum
 * to more than the whole, but it ranks what gzip leaves of each package.
 */
function gzipByPackage(code) {
  const parts = new Map();
  let pkg = '(wrapper)';
  for (const line of code.split('\n')) {
    const m = /^\/\/ (\S+\.(?:m?js|cjs|ts))$/.exec(line);
    if (m) pkg = packageOf(m[1]);
    if (!parts.has(pkg)) parts.set(pkg, []);
    parts.get(pkg).push(line);
  }
  return new Map([...parts].map(([p, lines]) => [p, gzipSync(lines.join('\n')).length]));
}

/** Where the bytes of one bundle go (bytes each input contributes, before minification). */
function breakdown(meta, outFile, code) {
  const gz = gzipByPackage(code);
  const key = Object.keys(meta.outputs).find((k) => k.endsWith(`/${outFile}`));
  const inputs = Object.entries(meta.outputs[key].inputs).map(([path, v]) => ({
    path: path.replace(/^(\.\.\/)+/, ''),
    bytes: v.bytesInOutput,
  }));
  const total = inputs.reduce((s, x) => s + x.bytes, 0);
  const byPackage = new Map();
  for (const x of inputs) {
    const p = packageOf(x.path);
    byPackage.set(p, (byPackage.get(p) ?? 0) + x.bytes);
  }
  const share = (b) => round((100 * b) / total, 1);
  return {
    inputBytes: total,
    packages: [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .map(([pkg, bytes]) => ({
        pkg,
        bytes,
        pct: share(bytes),
        gzipAloneBytes: gz.get(pkg) ?? null,
      })),
    largestModules: inputs
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 12)
      .map((x) => ({ ...x, pct: share(x.bytes) })),
  };
}

/**
 * Builds one entry with wrangler into `dir` (minified or not); returns sizes and, when asked,
 * the metafile breakdown. The generated config sits in `dir`, so wrangler's scratch folder does too.
 */
async function buildOne(target, dir, minify) {
  const name = `edgeq-footprint-${target.name.split(' ')[0]}`;
  const config = join(dir, `wrangler${minify ? '-min' : ''}.json`);
  const outdir = join(dir, minify ? 'out-min' : 'out');
  const metafile = join(dir, minify ? 'meta-min.json' : 'meta.json');
  const cfg = { name, main: join(ROOT, target.entry), compatibility_date: COMPAT.date };
  if (COMPAT.flags.length) cfg.compatibility_flags = COMPAT.flags;
  await writeFile(config, JSON.stringify(cfg));
  const log = await wrangler([
    'deploy',
    '--dry-run',
    '--config',
    config,
    '--outdir',
    outdir,
    '--metafile',
    metafile,
    ...(minify ? ['--minify'] : []),
  ]);
  const modules = (await readdir(outdir)).filter((f) => /\.m?js$/.test(f));
  if (modules.length !== 1) throw new Error(`${target.name}: expected one module, got ${modules}`);
  const script = join(outdir, modules[0]);
  const code = await readFile(script);
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(log);
  return {
    script,
    rawBytes: code.length,
    gzipBytes: gzipSync(code).length,
    wranglerTotalUploadKiB: m ? Number(m[1]) : null,
    wranglerGzipKiB: m ? Number(m[2]) : null,
    breakdown: breakdown(
      JSON.parse(await readFile(metafile, 'utf8')),
      modules[0],
      code.toString('utf8'),
    ),
  };
}

// ---- CPU per request inside workerd -------------------------------------------------------

const TICK_MS = 1000 / Number((await promisify(execFile)('getconf', ['CLK_TCK'])).stdout.trim());

/** ppid and comm of every process, from /proc. */
async function processes() {
  const out = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = await readFile(`/proc/${d}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      const comm = s.slice(s.indexOf('(') + 1, close);
      const ppid = Number(s.slice(close + 2).split(' ')[1]);
      out.push({ pid: Number(d), ppid, comm });
    } catch {
      // the process ended while we read
    }
  }
  return out;
}

/** The workerd process among this process's descendants that was not there in `before`. */
async function findWorkerd(before) {
  const all = await processes();
  const mine = new Set([process.pid]);
  // Walk down the tree: Miniflare may start workerd directly or through a wrapper.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (mine.has(p.ppid) && !mine.has(p.pid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  const found = all.filter((p) => mine.has(p.pid) && p.comm === 'workerd' && !before.has(p.pid));
  if (found.length !== 1) throw new Error(`expected one new workerd child, found ${found.length}`);
  return found[0].pid;
}

/** CPU of a process so far: utime+stime in ms (tick grained) and the sum of its threads' ns. */
async function cpu(pid) {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and comm are cut off.
  const ticks = Number(f[11]) + Number(f[12]);
  let ns = 0;
  for (const t of await readdir(`/proc/${pid}/task`)) {
    try {
      ns += Number((await readFile(`/proc/${pid}/task/${t}/schedstat`, 'utf8')).split(' ')[0]);
    } catch {
      // a thread ended while we read
    }
  }
  return { ms: ticks * TICK_MS, schedMs: ns / 1e6 };
}

/** One Worker in workerd, with a keep-alive HTTP client to Miniflare's socket. */
async function startWorkerd(scriptPath, bindings) {
  const before = new Set((await processes()).map((p) => p.pid));
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: COMPAT.date,
    compatibilityFlags: COMPAT.flags,
    bindings: { EDGEQ_TOKEN: TOKEN, ...bindings },
    // The Worker's console output is not part of the measurement; keep it out of ours.
    handleRuntimeStdio(out, err) {
      out.resume();
      err.resume();
    },
  });
  const url = await mf.ready;
  const pid = await findWorkerd(before);
  // undici with keep-alive: the client's own cost stays in this process, not in workerd's.
  const agent = new Agent({ connections: 1, pipelining: 1 });
  const call = async (method, path, body) => {
    const res = await request(new URL(path, url), {
      method,
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return JSON.parse(text);
  };
  return {
    pid,
    call,
    async close() {
      await agent.close();
      await mf.dispose();
    },
  };
}

/**
 * N requests of each kind, in order, on a fresh queue: enqueue, claim (limit 1), ack, healthz.
 * Returns each kind's CPU ms (ticks and schedstat) over the N requests, and its wall time.
 */
async function pass(w, queue, n, check = true) {
  const kinds = {};
  const timed = async (kind, fn) => {
    const t0 = performance.now();
    const c0 = await cpu(w.pid);
    await fn();
    const c1 = await cpu(w.pid);
    kinds[kind] = {
      cpuMs: c1.ms - c0.ms,
      schedMs: c1.schedMs - c0.schedMs,
      wallMs: performance.now() - t0,
    };
  };
  const leases = [];
  await timed('enqueue', async () => {
    for (let i = 0; i < n; i++) await w.call('POST', `/v1/queues/${queue}/jobs`, { payload: i });
  });
  await timed('claim', async () => {
    for (let i = 0; i < n; i++) {
      const { jobs } = await w.call('POST', `/v1/queues/${queue}/claim`, { limit: 1 });
      if (check && jobs.length !== 1) throw new Error(`claim ${i} got ${jobs.length} jobs`);
      leases.push(jobs[0]);
    }
  });
  await timed('ack', async () => {
    for (const j of leases) {
      const r = await w.call('POST', `/v1/jobs/${j.id}/ack`, { leaseToken: j.leaseToken });
      if (check && r.state !== 'completed') throw new Error(`ack ${j.id}: ${JSON.stringify(r)}`);
    }
  });
  await timed('healthz', async () => {
    for (let i = 0; i < n; i++) await w.call('GET', '/healthz');
  });
  return kinds;
}

const KINDS = ['enqueue', 'claim', 'ack', 'healthz'];

/** WARMUP untimed requests of each kind (JIT, first-use setup), then PASSES timed passes. */
async function measureCpu(label, scriptPath, bindings) {
  const w = await startWorkerd(scriptPath, bindings);
  try {
    const tag = Math.random().toString(36).slice(2, 8);
    await pass(w, `warm-${tag}`, WARMUP);
    const passes = [];
    for (let p = 0; p < PASSES; p++) {
      passes.push(await pass(w, `fp-${tag}-${p}`, N));
      console.error(`  ${label} pass ${p + 1}/${PASSES} done`);
    }
    const per = (kind, field) => median(passes.map((x) => x[kind][field] / N));
    const result = {};
    for (const kind of KINDS) {
      result[kind] = {
        cpuMsPerRequest: round(per(kind, 'cpuMs'), 4),
        schedMsPerRequest: round(per(kind, 'schedMs'), 4),
        wallMsPerRequest: round(per(kind, 'wallMs'), 4),
        passesCpuMs: passes.map((x) => round(x[kind].cpuMs, 1)),
      };
    }
    for (const kind of KINDS.slice(0, 3)) {
      result[kind].cpuMsMinusFloor = round(
        result[kind].cpuMsPerRequest - result.healthz.cpuMsPerRequest,
        4,
      );
      result[kind].schedMsMinusFloor = round(
        result[kind].schedMsPerRequest - result.healthz.schedMsPerRequest,
        4,
      );
    }
    return result;
  } finally {
    await w.close();
  }
}

/** The floor: PASSES passes of N GET / to the no-import Worker, after WARMUP untimed ones. */
async function measureBare(scriptPath) {
  const w = await startWorkerd(scriptPath, {});
  try {
    const passes = [];
    for (let p = -1; p < PASSES; p++) {
      const n = p < 0 ? WARMUP : N;
      const t0 = performance.now();
      const c0 = await cpu(w.pid);
      for (let i = 0; i < n; i++) await w.call('GET', '/');
      const c1 = await cpu(w.pid);
      if (p >= 0) {
        passes.push({
          cpuMs: c1.ms - c0.ms,
          schedMs: c1.schedMs - c0.schedMs,
          wallMs: performance.now() - t0,
        });
      }
    }
    const per = (field) => round(median(passes.map((x) => x[field] / N)), 4);
    return {
      request: {
        cpuMsPerRequest: per('cpuMs'),
        schedMsPerRequest: per('schedMs'),
        wallMsPerRequest: per('wallMs'),
        passesCpuMs: passes.map((x) => round(x.cpuMs, 1)),
      },
    };
  } finally {
    await w.close();
  }
}

// ---- main ----------------------------------------------------------------------------------

await mkdir(join(ROOT, '.wrangler'), { recursive: true });
// Under the repo's ignored .wrangler/ (Miniflare wants the script under its cwd), unique per run.
const work = await mkdtemp(join(ROOT, '.wrangler', 'footprint-'));
const out = {
  what:
    'Worker footprint: bundle size per driver as `wrangler deploy --dry-run` builds it ' +
    '(raw, zlib gzip, wrangler-reported; default and --minify), where the bytes go (esbuild ' +
    'metafile, bytes before minification), and CPU ms per request inside workerd (utime+stime ' +
    'of the workerd process over N sequential requests, median of passes; an upper bound on ' +
    'isolate CPU, since it includes workerd HTTP handling and Miniflare routing)',
  date: new Date().toISOString(),
  node: process.version,
  wrangler: version('wrangler'),
  workerd: version('workerd'),
  miniflare: version('miniflare'),
  compatibility: COMPAT,
  targets: { gzipKiBOneDriver: TARGET_GZIP_KIB, enqueueCpuMs: TARGET_ENQUEUE_CPU_MS },
  freePlanCpuLimitMs: FREE_PLAN_CPU_MS,
  bundles: {},
  cpu: { n: N, passes: PASSES, warmup: WARMUP, clockTickMs: TICK_MS, workers: {} },
};

let upstash;
try {
  const scripts = {};
  for (const t of TARGETS) {
    const dir = join(work, t.name.split(' ')[0]);
    await mkdir(dir);
    const plain = await buildOne(t, dir, false);
    scripts[t.name] = plain.script;
    if (t.floorOnly) continue;
    const min = await buildOne(t, dir, true);
    const kib = (b) => round(b / KiB, 2);
    out.bundles[t.name] = {
      entry: t.entry,
      raw: { bytes: plain.rawBytes, KiB: kib(plain.rawBytes) },
      gzip: { bytes: plain.gzipBytes, KiB: kib(plain.gzipBytes) },
      wrangler: { totalUploadKiB: plain.wranglerTotalUploadKiB, gzipKiB: plain.wranglerGzipKiB },
      minified: {
        raw: { bytes: min.rawBytes, KiB: kib(min.rawBytes) },
        gzip: { bytes: min.gzipBytes, KiB: kib(min.gzipBytes) },
        wrangler: { totalUploadKiB: min.wranglerTotalUploadKiB, gzipKiB: min.wranglerGzipKiB },
      },
      ...(t.oneDriver
        ? {
            underTarget: plain.gzipBytes < TARGET_GZIP_KIB * KiB,
            underTargetMinified: min.gzipBytes < TARGET_GZIP_KIB * KiB,
          }
        : {}),
      breakdown: plain.breakdown,
    };
    console.error(`built ${t.name}`);
  }

  out.cpu.workers.bare = await measureBare(scripts.bare);
  out.cpu.workers.memory = await measureCpu('memory', scripts.memory, {});
  if (SKIP_UPSTASH) {
    out.cpu.workers.upstash = { skipped: 'SKIP_UPSTASH=1' };
  } else {
    upstash = await startUpstash();
    // A unique key prefix (hash-tagged, as the driver expects) so runs sharing Redis never meet.
    const prefix = `{edgeqfootprint-${Math.random().toString(36).slice(2, 10)}}`;
    try {
      out.cpu.workers.upstash = await measureCpu('upstash', scripts.upstash, {
        UPSTASH_REDIS_REST_URL: upstash.url,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        EDGEQ_REDIS_PREFIX: prefix,
      });
    } catch (err) {
      out.cpu.workers.upstash = { error: String(err?.message ?? err) };
    } finally {
      const { Redis } = await import('@upstash/redis');
      const redis = new Redis({ url: upstash.url, token: upstash.token });
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    }
  }
} finally {
  await upstash?.close();
  await rm(work, { recursive: true, force: true });
}

const results = join(ROOT, 'bench', 'results');
await mkdir(results, { recursive: true });
await writeFile(join(results, 'footprint.json'), `${JSON.stringify(out, null, 2)}\n`);

// ---- summary ---------------------------------------------------------------------------------

console.log(
  `\nWorker footprint (wrangler ${out.wrangler}, workerd ${out.workerd}, ${out.node}, ` +
    `compatibility_date ${COMPAT.date}${COMPAT.flags.length ? `, flags ${COMPAT.flags}` : ''})`,
);
console.log(`\nBundle (target: one driver < ${TARGET_GZIP_KIB} KiB gzip)`);
console.log(
  'worker'.padEnd(42) +
    'raw KiB'.padStart(9) +
    'gzip KiB'.padStart(10) +
    'wrangler gzip'.padStart(15) +
    'min gzip'.padStart(10) +
    '  target',
);
for (const [name, b] of Object.entries(out.bundles)) {
  const verdict =
    b.underTarget === undefined
      ? ''
      : `${b.underTarget ? 'met' : 'MISSED'}${b.underTarget === b.underTargetMinified ? '' : ` (minified: ${b.underTargetMinified ? 'met' : 'MISSED'})`}`;
  console.log(
    name.padEnd(42) +
      String(b.raw.KiB).padStart(9) +
      String(b.gzip.KiB).padStart(10) +
      String(b.wrangler.gzipKiB ?? 'n/a').padStart(15) +
      String(b.minified.gzip.KiB).padStart(10) +
      `  ${verdict}`,
  );
}
for (const [name, b] of Object.entries(out.bundles)) {
  if (b.underTarget !== false) continue;
  const top = b.breakdown.packages
    .slice(0, 6)
    .map(
      (p) =>
        `${p.pkg} ${round(p.bytes / KiB, 1)} KiB (${p.pct}%, ~${round(p.gzipAloneBytes / KiB, 1)} gz)`,
    )
    .join(', ');
  console.log(`  ${name} bytes before minification: ${top}`);
}
console.log(
  `\nCPU ms per request in workerd (median of ${PASSES} passes of ${N}; upper bound: whole ` +
    `workerd process; target enqueue < ${TARGET_ENQUEUE_CPU_MS} ms, free plan limit ${FREE_PLAN_CPU_MS} ms)`,
);
{
  const b = out.cpu.workers.bare.request;
  console.log(
    `bare     GET /    ${b.cpuMsPerRequest} ms (schedstat ${b.schedMsPerRequest}; wall ${b.wallMsPerRequest} ms)` +
      '  floor: workerd + Miniflare routing, no edgeq',
  );
}
for (const [driver, r] of Object.entries(out.cpu.workers)) {
  if (driver === 'bare') continue;
  if (!r.enqueue) {
    console.log(`${driver}: ${r.skipped ?? r.error}`);
    continue;
  }
  for (const kind of KINDS) {
    const k = r[kind];
    const minus = k.cpuMsMinusFloor === undefined ? '' : `, minus floor ${k.cpuMsMinusFloor}`;
    const mark =
      kind === 'enqueue' ? `  ${k.cpuMsPerRequest < TARGET_ENQUEUE_CPU_MS ? 'met' : 'MISSED'}` : '';
    console.log(
      `${driver.padEnd(8)} ${kind.padEnd(8)} ${k.cpuMsPerRequest} ms (schedstat ${k.schedMsPerRequest}` +
        `${minus}; wall ${k.wallMsPerRequest} ms)${mark}`,
    );
  }
}
console.log('\nwrote bench/results/footprint.json');
