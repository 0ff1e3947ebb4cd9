#!/usr/bin/env node
// Storage requests per job, what 1,000,000 jobs cost, and what an idle tick costs, per driver.
//
// What it counts: requests at the transport, not the runtime's own tally (bench/lib/
// cost-drivers.mjs): libSQL client calls (file) or Hrana HTTP requests (libsql-http), Upstash
// HTTP requests AND Redis commands (Upstash bills commands), Postgres statements (pg) or Neon
// HTTP requests (neon-http). Every path runs through the runtime of dist/ exactly as an app would
// call it, on a fresh store per driver, after a warm-up (first-use migration, script load), so
// one-off costs are not spread over the jobs. Each path checks its own result (every job claimed
// once, every ack ok) so a count is never taken on a path that silently did less work.
//
// Why it is fair to compare with QStash / Cloudflare Queues: those bill per message or operation
// whatever the batching; the edgeq figures are the storage bill of the same job life. Prices and
// what was assumed are in the JSON (`prices`, `assumptions`, `sources`).
//
//   node bench/cost.mjs            JOBS=1000 (default); DRIVERS=libsql,upstash,... to pick
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTED_DRIVERS, endpoints, openDriver } from './lib/cost-drivers.mjs';
import { dist, ROOT } from './lib/services.mjs';
import { round } from './lib/stats.mjs';

const JOBS = Math.max(100, Math.round(Number(process.env.JOBS ?? 1_000) / 100) * 100);
const DRIVERS = (process.env.DRIVERS ?? COUNTED_DRIVERS.join(',')).split(',');
const TICKS_PER_MONTH = 30 * 24 * 60; // one tick a minute (the Worker's Cron Trigger), 30 days

// Published prices (see `sources` below for where each was read).
const PRICES = {
  upstashPerCommand: 0.2 / 100_000,
  qstashPerMessage: 1 / 100_000,
  cloudflareQueuesPerOperation: 0.4 / 1_000_000,
  cloudflareQueuesOperationsPerMessage: 3,
  neonLaunchPerCuHour: 0.106,
  neonScalePerCuHour: 0.222,
  neonMinCu: 0.25,
  neonScaleToZeroMinutes: 5,
};

const { createRuntime } = await dist('index.js');
const eps = endpoints();

const sum = (a, b) => {
  const out = {};
  for (const k of Object.keys(b)) out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
};

/** Runs `fn` (which makes `calls` runtime calls moving `jobs` jobs) and counts its requests. */
async function counted(d, calls, jobs, fn) {
  const before = await d.count();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const delta = sum(before, await d.count());
  const out = { calls, jobs, ms: round(ms, 1) };
  for (const [k, v] of Object.entries(delta)) {
    out[k] = v;
    out[`${k}PerCall`] = round(v / calls, 3);
    out[`${k}PerJob`] = round(v / jobs, 4);
  }
  return out;
}

const jobsOf = (n, from = 0) => Array.from({ length: n }, (_, k) => ({ payload: { i: from + k } }));

function expect(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function warmUp(rt, d) {
  // First use migrates (SQL) or loads scripts (Upstash: EVALSHA, NOSCRIPT, EVAL): out of the count.
  await d.driver.loadScripts?.();
  await rt.enqueue('warm', jobsOf(3));
  const { jobs } = await rt.claim('warm', { limit: 2 });
  await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken });
  await rt.ackMany([{ id: jobs[1].id, leaseToken: jobs[1].leaseToken }]);
  const next = await rt.claim('warm', { limit: 1, acks: [] });
  await rt.claim('warm', {
    limit: 1,
    acks: [{ id: next.jobs[0].id, leaseToken: next.jobs[0].leaseToken }],
  });
  await rt.tick();
}

async function paths(name) {
  const d = await openDriver(name, eps);
  try {
    const rt = createRuntime({ driver: d.driver });
    await warmUp(rt, d);
    const out = {};
    const N = JOBS;

    out.enqueue1 = await counted(d, N, N, async () => {
      for (let i = 0; i < N; i++) await rt.enqueue('e1', jobsOf(1, i));
    });
    out.enqueue100 = await counted(d, N / 100, N, async () => {
      for (let i = 0; i < N; i += 100) await rt.enqueue('e100', jobsOf(100, i));
    });

    let leases = [];
    out.claim1 = await counted(d, N, N, async () => {
      for (let i = 0; i < N; i++) leases.push(...(await rt.claim('e1', { limit: 1 })).jobs);
    });
    expect(new Set(leases.map((j) => j.id)).size === N, `${name} claim1 took ${leases.length}`);
    out.ack1 = await counted(d, N, N, async () => {
      for (const j of leases) await rt.ack(j.id, { leaseToken: j.leaseToken });
    });

    leases = [];
    out.claim100 = await counted(d, N / 100, N, async () => {
      for (let i = 0; i < N; i += 100) leases.push((await rt.claim('e100', { limit: 100 })).jobs);
    });
    expect(new Set(leases.flat().map((j) => j.id)).size === N, `${name} claim100`);
    out.ack100 = await counted(d, N / 100, N, async () => {
      for (const batch of leases) {
        const res = await rt.ackMany(batch.map((j) => ({ id: j.id, leaseToken: j.leaseToken })));
        expect(
          res.every((a) => a.ok),
          `${name} ackMany`,
        );
      }
    });

    // The consumer path: each claim of 100 carries the previous batch's 100 acks.
    await rt.enqueue('cons', jobsOf(N));
    let prev = [];
    let taken = 0;
    out.claim100WithAcks = await counted(d, N / 100, N, async () => {
      for (let i = 0; i < N; i += 100) {
        const res = await rt.claim('cons', { limit: 100, acks: prev });
        expect(
          res.acks.every((a) => a.ok),
          `${name} piggybacked acks`,
        );
        taken += res.jobs.length;
        prev = res.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
      }
    });
    expect(taken === N, `${name} consumer path took ${taken}`);
    await rt.ackMany(prev);

    // A job's whole life, best path: enqueue in 100s; claim 100 carrying the previous acks; the
    // last acks ride on one more claim that finds the queue empty (as a polling consumer does).
    out.lifeBest = await counted(d, (N / 100) * 2 + 1, N, async () => {
      for (let i = 0; i < N; i += 100) await rt.enqueue('best', jobsOf(100, i));
      let acks = [];
      let got = 0;
      for (;;) {
        const res = await rt.claim('best', { limit: 100, acks });
        expect(
          res.acks.every((a) => a.ok),
          `${name} best-path acks`,
        );
        if (res.jobs.length === 0) break;
        got += res.jobs.length;
        acks = res.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
      }
      expect(got === N, `${name} best path took ${got}`);
    });
    // Simple path: enqueue 1, claim 1, ack 1, job after job.
    out.lifeSimple = await counted(d, N * 3, N, async () => {
      for (let i = 0; i < N; i++) {
        await rt.enqueue('simple', jobsOf(1, i));
        const { jobs } = await rt.claim('simple', { limit: 1 });
        expect(jobs.length === 1, `${name} simple path claim`);
        await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken });
      }
    });
    return out;
  } finally {
    await d.close();
  }
}

/**
 * One idle tick: `namespaces` namespaces each holding one finished (completed, not yet due for
 * pruning) job, nothing leased, nothing due. A first tick settles one-off work (schedule sync);
 * the second is counted.
 */
async function idleTick(name, namespaces) {
  const d = await openDriver(name, eps);
  try {
    const rt = createRuntime({ driver: d.driver });
    await d.driver.loadScripts?.();
    for (let k = 0; k < namespaces; k++) {
      const ns = k === 0 ? 'default' : `ns${k}`;
      await rt.enqueue('idle', jobsOf(1), ns);
      const { jobs } = await rt.claim('idle', { limit: 1 }, ns);
      await rt.ack(jobs[0].id, { leaseToken: jobs[0].leaseToken }, ns);
    }
    await rt.tick();
    const calls0 = rt.calls;
    const before = await d.count();
    const res = await rt.tick();
    const delta = sum(before, await d.count());
    expect(res.reclaimed + res.pruned + res.dead === 0, `${name} tick was not idle`);
    return { namespaces, runtimeCalls: rt.calls - calls0, ...delta };
  } finally {
    await d.close();
  }
}

const results = {};
const failures = {};
try {
  for (const name of DRIVERS) {
    try {
      const t = performance.now();
      const p = await paths(name);
      const idle = [await idleTick(name, 1), await idleTick(name, 10)];
      results[name] = { paths: p, idleTick: idle };
      console.log(`${name}: measured in ${Math.round(performance.now() - t)} ms`);
    } catch (err) {
      failures[name] = String(err?.stack ?? err);
      console.error(`${name}: FAILED: ${err?.message ?? err}`);
    }
  }
} finally {
  await eps.close();
}

// Targets (reported, not asserted): one round trip per enqueue batch, claim batch, ack batch;
// at most one per idle tick per namespace.
const targets = {};
for (const [name, r] of Object.entries(results)) {
  const per = (p) => r.paths[p].requestsPerCall;
  targets[name] = {
    enqueueBatch: { requestsPerCall: per('enqueue100'), met: per('enqueue100') === 1 },
    claimBatch: { requestsPerCall: per('claim100'), met: per('claim100') === 1 },
    ackBatch: { requestsPerCall: per('ack100'), met: per('ack100') === 1 },
    claimWithAcks: { requestsPerCall: per('claim100WithAcks'), met: per('claim100WithAcks') === 1 },
    idleTick: r.idleTick.map((t) => ({
      namespaces: t.namespaces,
      requests: t.requests,
      perNamespace: round(t.requests / t.namespaces, 3),
      met: t.requests <= t.namespaces,
      readmeSays4: t.requests === 4,
    })),
  };
}

// What 1,000,000 jobs cost.
const M = 1_000_000;
const costs = { perMillionJobs: {}, idlePerMonth: {} };
const up = results.upstash;
if (up) {
  for (const path of ['lifeBest', 'lifeSimple']) {
    const cmds = up.paths[path].commandsPerJob;
    costs.perMillionJobs[`upstash_${path}`] = {
      commandsPerJob: cmds,
      usd: round(cmds * M * PRICES.upstashPerCommand, 2),
    };
  }
  const t = up.idleTick;
  costs.idlePerMonth.upstash = t.map((x) => ({
    namespaces: x.namespaces,
    commandsPerTick: x.commands,
    commandsPerMonth: x.commands * TICKS_PER_MONTH,
    usd: round(x.commands * TICKS_PER_MONTH * PRICES.upstashPerCommand, 2),
  }));
}
// Neon bills compute time (CU-hours), not statements. Model: the compute runs at its minimum size
// for as long as the work takes at the throughput measured here with one serial client on the
// local Postgres over pg (a lower bound on elapsed time on Neon, which adds network latency per
// statement; more concurrent clients would finish sooner on the same compute).
for (const via of ['postgres-pg', 'neon-http']) {
  const r = results[via];
  if (!r) continue;
  for (const path of ['lifeBest', 'lifeSimple']) {
    const p = r.paths[path];
    const hours = ((p.ms / 1000) * (M / p.jobs)) / 3600;
    costs.perMillionJobs[`neon_${path}_timedOn_${via}`] = {
      requestsPerJob: p.requestsPerJob,
      measuredJobsPerSec: round((p.jobs / p.ms) * 1000, 1),
      computeHours: round(hours, 3),
      cuHours: round(hours * PRICES.neonMinCu, 4),
      usdLaunch: round(hours * PRICES.neonMinCu * PRICES.neonLaunchPerCuHour, 4),
      usdScale: round(hours * PRICES.neonMinCu * PRICES.neonScalePerCuHour, 4),
      plusScaleToZeroTailUsdLaunch: round(
        (PRICES.neonScaleToZeroMinutes / 60) * PRICES.neonMinCu * PRICES.neonLaunchPerCuHour,
        4,
      ),
    };
  }
}
costs.idlePerMonth.neon = {
  note: `a tick every minute is more often than Neon's ${PRICES.neonScaleToZeroMinutes}-minute scale-to-zero, so the compute never suspends: the idle cost is the always-on minimum compute, whatever the statements per tick`,
  cuHours: 30 * 24 * PRICES.neonMinCu,
  usdLaunch: round(30 * 24 * PRICES.neonMinCu * PRICES.neonLaunchPerCuHour, 2),
  usdScale: round(30 * 24 * PRICES.neonMinCu * PRICES.neonScalePerCuHour, 2),
};
costs.perMillionJobs.qstash = { messages: M, usd: round(M * PRICES.qstashPerMessage, 2) };
costs.perMillionJobs.cloudflareQueues = {
  operations: M * PRICES.cloudflareQueuesOperationsPerMessage,
  usd: round(
    M * PRICES.cloudflareQueuesOperationsPerMessage * PRICES.cloudflareQueuesPerOperation,
    2,
  ),
};

const report = {
  what: 'storage requests per job and per call for each path (through the runtime, counted at the transport), idle tick cost, and what 1,000,000 jobs cost at published prices',
  date: new Date().toISOString(),
  node: process.version,
  jobs: JOBS,
  drivers: DRIVERS,
  counted: {
    libsql: 'libSQL client calls (execute, batch, executeMultiple) on a local file',
    'libsql-http': 'HTTP pipeline requests served by the local Hrana v2 endpoint (test/support)',
    upstash:
      'HTTP requests served by the local Upstash REST endpoint, and Redis commands it sent (an EVALSHA is one command; the Redis calls inside a script are not counted)',
    'postgres-pg': 'statements sent by node-postgres (each execute or batch is one round trip)',
    'neon-http': 'HTTP requests served by the local Neon SQL-over-HTTP endpoint',
  },
  paths: {
    enqueue1: 'enqueue, one job per call',
    enqueue100: 'enqueue, 100 jobs per call',
    claim1: 'claim limit 1',
    ack1: 'ack one job (rt.ack)',
    claim100: 'claim limit 100',
    ack100: 'ack 100 jobs in one call (rt.ackMany)',
    claim100WithAcks: "claim 100 carrying the previous batch's 100 acks (the consumer path)",
    lifeBest:
      'whole life, best path: enqueue in 100s, claim 100 with the previous acks piggybacked, one final empty claim carrying the last acks',
    lifeSimple: 'whole life, simple path: enqueue 1, claim 1, ack 1 per job',
  },
  results,
  ...(Object.keys(failures).length ? { failures } : {}),
  targets: {
    wanted:
      'exactly one storage round trip per enqueue batch, claim batch and ack batch; at most one per idle tick per namespace (README: an idle tick costs 4 calls whatever the number of namespaces)',
    perDriver: targets,
  },
  prices: PRICES,
  costs,
  assumptions: [
    'Upstash pay-as-you-go bills each command; an EVALSHA (or EVAL) of a script counts as one command, whatever Redis calls the script makes inside; each command in a pipeline or MULTI/EXEC counts. The per-command price is from the pricing page; how scripts are counted we could not confirm from a stored Upstash page, so treat commandsPerJob as the billed count only under that assumption.',
    'Upstash: free tier (500K commands/month) and storage/bandwidth charges are ignored.',
    `Neon bills compute (CU-hours), not requests: 1,000,000 jobs are costed as the time one serial client takes at the throughput measured in this run (local Postgres, loopback), on the minimum ${PRICES.neonMinCu} CU compute, at the Launch (and Scale) CU-hour rate; storage, network transfer and the free plan are ignored. A remote Neon adds network latency per statement, so elapsed time (and cost) for a serial client would be higher; concurrent clients would lower it.`,
    `After a burst of work the compute stays up ${PRICES.neonScaleToZeroMinutes} minutes before scaling to zero (plusScaleToZeroTailUsdLaunch); a once-a-minute tick prevents scaling to zero at all (idlePerMonth.neon).`,
    'QStash: one message per job. Cloudflare Queues: about 3 operations per message (write, read, delete), as peers.md says.',
    `A month is 30 days of one tick per minute: ${TICKS_PER_MONTH} ticks.`,
  ],
  sources: [
    {
      what: 'Upstash Redis pay-as-you-go $0.20 per 100K commands (Free: 500K commands/month)',
      url: 'https://upstash.com/pricing/redis',
      via: 'docs search: https://docs.flexprice.io/cookbooks/pricing-teardowns/upstash-pricing.md (captured from the official page 2026-11-09) and https://raw.githubusercontent.com/api-evangelist/upstash/refs/heads/main/plans/upstash-plans-pricing.yml',
    },
    {
      what: 'Upstash pipelines: several commands in one HTTP request, each a command; MULTI/EXEC for atomic transactions; Lua EVAL over REST as one atomic step',
      url: 'https://www.mintlify.com/upstash/redis-js/api/pipeline',
      also: 'https://upstash.com/blog/lua-scripting-on-upstash-redis-atomic-operations-over-http',
    },
    {
      what: 'Neon compute $0.106/CU-hour (Launch), $0.222/CU-hour (Scale); paid plans have no monthly minimum',
      url: 'https://raw.githubusercontent.com/neondatabase/website/main/content/docs/introduction/plans.md',
    },
    {
      what: 'Neon scale to zero after 5 minutes of inactivity',
      url: 'https://neon.com/docs/introduction/auto-suspend',
    },
    {
      what: 'QStash $1 per 100K messages; Cloudflare Queues $0.40 per million operations, ~3 per message',
      url: '/work/shared/notes/peers.md',
    },
  ],
};
writeFileSync(join(ROOT, 'bench/results/cost.json'), `${JSON.stringify(report, null, 2)}\n`);

// Readable summary.
const cols = [
  'enqueue1',
  'enqueue100',
  'claim1',
  'claim100',
  'ack1',
  'ack100',
  'claim100WithAcks',
  'lifeBest',
  'lifeSimple',
];
console.log(`\nstorage requests per call (per job), ${JOBS} jobs`);
console.log(['driver'.padEnd(12), ...cols.map((c) => c.padStart(18))].join(''));
for (const [name, r] of Object.entries(results)) {
  const cell = (c) => `${r.paths[c].requestsPerCall} (${r.paths[c].requestsPerJob})`.padStart(18);
  console.log([name.padEnd(12), ...cols.map(cell)].join(''));
  if (r.paths.enqueue1.commands !== undefined) {
    const cc = (c) => `${r.paths[c].commandsPerCall} (${r.paths[c].commandsPerJob})`.padStart(18);
    console.log(['  commands'.padEnd(12), ...cols.map(cc)].join(''));
  }
}
console.log('\nidle tick: storage requests (runtime calls) with 1 and 10 namespaces');
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name.padEnd(12)} ${r.idleTick.map((t) => `${t.namespaces} ns: ${t.requests} (${t.runtimeCalls})${t.commands !== undefined ? ` ${t.commands} commands` : ''}`).join('   ')}`,
  );
}
console.log('\n1,000,000 jobs:');
for (const [k, v] of Object.entries(costs.perMillionJobs))
  console.log(`  ${k}: ${JSON.stringify(v)}`);
console.log('idle, per month:');
for (const [k, v] of Object.entries(costs.idlePerMonth))
  console.log(`  ${k}: ${JSON.stringify(v)}`);
if (Object.keys(failures).length) console.log('\nFAILED:', Object.keys(failures).join(', '));
