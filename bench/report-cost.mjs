// BENCHMARKS.md blocks for the non-throughput results: Worker footprint (bench/footprint.mjs),
// round trips and cost (bench/cost.mjs) and scale (bench/scale.mjs). Used by bench/report.mjs.

const kib = (x) => `${x.toFixed(1)} KiB`;

function footprint(f) {
  const out = {};
  let md =
    '| Worker | raw | gzip (wrangler default) | gzip with `minify = true` | under 100 KiB gzip? | largest packages (share of bytes before minifying) |\n| --- | --- | --- | --- | --- | --- |\n';
  for (const [name, b] of Object.entries(f.bundles)) {
    const pk = (b.breakdown?.packages ?? [])
      .filter((p) => p.pct >= 3)
      .map((p) => `${p.pkg} ${Math.round(p.pct)}%`)
      .join(', ');
    const verdict = b.underTarget ? 'yes' : b.underTargetMinified ? 'minified only' : 'no';
    md += `| ${name} | ${kib(b.raw.KiB)} | **${kib(b.gzip.KiB)}** | ${kib(b.minified.gzip.KiB)} | ${verdict} | ${pk} |\n`;
  }
  out['footprint-size'] =
    `${md}\nBuilt ${f.date.slice(0, 10)} with wrangler ${f.wrangler} (\`wrangler deploy --dry-run\`, compatibility date ${f.compatibility.date}).\n`;
  const c = f.cpu;
  md =
    '| Worker | request | CPU ms per request | minus the `/healthz` floor | wall ms per request |\n| --- | --- | --- | --- | --- |\n';
  for (const [name, kinds] of Object.entries(c.workers)) {
    for (const [kind, r] of Object.entries(kinds)) {
      md += `| ${name} | ${kind} | ${r.cpuMsPerRequest.toFixed(2)} | ${r.cpuMsMinusFloor === undefined ? '' : r.cpuMsMinusFloor.toFixed(2)} | ${r.wallMsPerRequest.toFixed(2)} |\n`;
    }
  }
  out['footprint-cpu'] =
    `${md}\n${c.n.toLocaleString('en-US')} sequential requests of each kind after ${c.warmup} warm-up requests, median of ${c.passes} passes; CPU is utime+stime of the workerd process (an upper bound on the isolate's CPU time, which is what Cloudflare limits: it includes workerd's HTTP handling and Miniflare's routing, about ${c.workers.bare?.request?.cpuMsPerRequest?.toFixed(2) ?? '?'} ms per request for a Worker that does nothing). Free plan limit: ${f.freePlanCpuLimitMs} ms.\n`;
  return out;
}

const money = (x) =>
  x >= 1 ? `$${x.toFixed(2)}` : x >= 0.01 ? `$${x.toFixed(3)}` : `$${x.toFixed(4)}`;

function cost(c) {
  const out = {};
  const paths = Object.keys(c.paths);
  // Shown once per path when every driver agrees (the point of the table), else per driver.
  let md = '| path | storage requests per call | per job | drivers |\n| --- | --- | --- | --- |\n';
  for (const p of paths) {
    const rs = c.drivers.map((d) => [d, c.results[d]?.paths?.[p]]).filter(([, r]) => r);
    const same = rs.every(
      ([, r]) =>
        r.requestsPerCall === rs[0][1].requestsPerCall &&
        r.requestsPerJob === rs[0][1].requestsPerJob,
    );
    if (same && rs.length) {
      md += `| ${c.paths[p]} | ${rs[0][1].requestsPerCall} | ${rs[0][1].requestsPerJob} | all (${rs.length}) |\n`;
    } else {
      for (const [d, r] of rs)
        md += `| ${c.paths[p]} | ${r.requestsPerCall} | ${r.requestsPerJob} | ${d} |\n`;
    }
  }
  out['cost-requests'] =
    `Storage requests counted at the transport (${c.jobs.toLocaleString('en-US')} jobs per path; ${c.date.slice(0, 10)}):\n\n${md}\nWhat was counted: ${Object.entries(
      c.counted,
    )
      .map(([d, w]) => `${d}: ${w}`)
      .join('; ')}.\n`;

  const k = c.costs.perMillionJobs;
  const rows = [
    [
      'edgeq on Upstash, best path (batches of 100)',
      `${k.upstash_lifeBest.commandsPerJob} commands per job`,
      money(k.upstash_lifeBest.usd),
    ],
    [
      'edgeq on Upstash, simple path (1 per call)',
      `${k.upstash_lifeSimple.commandsPerJob} commands per job`,
      money(k.upstash_lifeSimple.usd),
    ],
  ];
  for (const [key, v] of Object.entries(k)) {
    if (!key.startsWith('neon_')) continue;
    const best = key.includes('Best');
    rows.push([
      `edgeq on Neon, ${best ? 'best' : 'simple'} path (timed over ${key.split('timedOn_')[1]})`,
      `${v.requestsPerJob} requests per job; ${v.computeHours} h of compute at ${v.measuredJobsPerSec} jobs/s`,
      `${money(v.usdLaunch)} (Launch), ${money(v.usdScale)} (Scale)`,
    ]);
  }
  rows.push([
    'QStash',
    `${k.qstash.messages.toLocaleString('en-US')} messages`,
    money(k.qstash.usd),
  ]);
  rows.push([
    'Cloudflare Queues',
    `${k.cloudflareQueues.operations.toLocaleString('en-US')} operations (about 3 per message)`,
    money(k.cloudflareQueues.usd),
  ]);
  out['cost-dollars'] =
    `What 1,000,000 jobs cost in storage requests (requests only: storage, bandwidth and free tiers left out):\n\n| system | what is billed | cost |\n| --- | --- | --- |\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nAssumptions: ${c.assumptions.join(' ')}\n\nSources: ${c.sources.map((x) => `${x.what} (<${x.url}>)`).join('; ')}.\n`;

  const idle = c.costs.idlePerMonth;
  md = `| driver | storage calls per idle tick, 1 namespace | 10 namespaces |\n| --- | --- | --- |\n`;
  for (const d of c.drivers) {
    const t = c.results[d]?.idleTick ?? [];
    md += `| ${d} | ${t.find((x) => x.namespaces === 1)?.requests ?? '–'} | ${t.find((x) => x.namespaces === 10)?.requests ?? '–'} |\n`;
  }
  const up = idle.upstash.find((x) => x.namespaces === 1);
  out['cost-idle'] =
    `${md}\nAt one tick a minute that is ${up.commandsPerMonth.toLocaleString('en-US')} Upstash commands a month (${money(up.usd)}). On Neon the calls are not what costs: ${idle.neon.note}, about ${idle.neon.cuHours} CU-hours a month, ${money(idle.neon.usdLaunch)} on Launch.\n`;
  return out;
}

function scale(s) {
  let md =
    '| driver | (a) 1,000 queued, p50 / p99 ms | (b) 1,000,000 queued | (b)/(a) p50 | (c) 1,000 queued + 1,000,000 completed | (c)/(a) p50 | fills |\n| --- | --- | --- | --- | --- | --- | --- |\n';
  for (const [d, r] of Object.entries(s.results)) {
    const f = (x) => (x?.p50Ms === undefined ? (x?.error ?? 'not run') : `${x.p50Ms} / ${x.p99Ms}`);
    const ok = (x) => (x === undefined ? '–' : `${x.toFixed(2)}x`);
    const fills = ['deep', 'history']
      .map((w) => (r[w]?.fillMs ? `${w} ${(r[w].fillMs / 1000).toFixed(0)} s` : ''))
      .filter(Boolean)
      .join(', ');
    md += `| ${d} | ${f(r.depth)} | ${f(r.deep)} | ${ok(r.ratioDeep)} | ${f(r.history)} | ${ok(r.ratioHistory)} | ${fills} |\n`;
  }
  return {
    scale: `${md}\nClaim 1 then ack, one consumer, ${s.sizes.claims.toLocaleString('en-US')} claims after ${s.sizes.warmup} warm-up, depth held by an untimed enqueue after each ack (${s.date.slice(0, 10)}). ${s.notes.join(' ')}\n`,
  };
}

/** Every block this module can fill, from whichever results exist. */
export function sections(load) {
  const out = {};
  const f = load('footprint.json');
  if (f) Object.assign(out, footprint(f));
  const c = load('cost.json');
  if (c) Object.assign(out, cost(c));
  const s = load('scale.json');
  if (s) Object.assign(out, scale(s));
  return out;
}
