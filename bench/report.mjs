#!/usr/bin/env node
// Turns bench/results/*.json into the tables and charts of BENCHMARKS.md. The prose in
// BENCHMARKS.md is written by hand; every figure sits between `<!-- generated:NAME -->` and
// `<!-- /generated:NAME -->` markers and is replaced on each run, so text and numbers cannot
// drift apart silently. Charts go to bench/results/*.svg.
//
//   node bench/report.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/services.mjs';
import { barChart, fmt, groupedChart } from './lib/svg.mjs';
import { sections as costSections } from './report-cost.mjs';

const RESULTS = join(ROOT, 'bench/results');
const load = (f) =>
  existsSync(join(RESULTS, f)) ? JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) : undefined;

const num = (x) => (x === undefined ? '' : x.toLocaleString('en-US'));
const range = (s) => `${fmt(s.median)} <sub>${fmt(s.min)}–${fmt(s.max)}</sub>`;
/** A row's figure; one that ran fewer rounds than the others (the cap stopped it) says so. */
const figure = (r, rounds) =>
  r.runs < rounds ? `${fmt(r.jobsPerSec.median)} <sub>${r.runs} run</sub>` : range(r.jobsPerSec);
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '–');

/** Peers an edgeq figure is compared with: the ones on the same store (memory and SQLite
 * have no peer on their store, so they are compared with BullMQ, the most used queue). */
function peersFor(row) {
  if (row.backend === 'postgres') return ['pg-boss', 'graphile-worker'];
  return ['bullmq'];
}

const CELLS_E2E = [
  [1, 1],
  [1, 10],
  [1, 50],
  [100, 1],
  [100, 10],
  [100, 50],
];

function throughputSections(t) {
  const out = {};
  const find = (system, kind, n, batch, concurrency) =>
    t.results.find(
      (r) =>
        r.system === system &&
        r.kind === kind &&
        r.n === n &&
        r.batch === batch &&
        r.concurrency === concurrency,
    );
  const systems = t.systems;
  /** A skipped cell: "skipped", with the probe's figure when there was one (run once, at t.probe). */
  const skippedCell = (system, kind, batch, c) => {
    const p = t.probe ? find(system, kind, t.probe, batch, c) : undefined;
    return p?.jobsPerSec
      ? `skipped (${num(Math.round(p.jobsPerSec.median))}/s at ${num(t.probe)})`
      : 'skipped';
  };
  const peers = systems.filter((s) => s.family !== 'edgeq');
  const edgeq = systems.filter((s) => s.family === 'edgeq');
  /** The peer figure matching an edgeq row: the best variant of that peer family. */
  const peerFigure = (family, kind, n, batch, c) => {
    const rows = peers
      .filter((p) => p.family === family)
      .map((p) => find(p.name, kind, n, batch, c))
      .filter((r) => r?.jobsPerSec);
    if (!rows.length) return undefined;
    return rows.reduce((a, b) => (a.jobsPerSec.median >= b.jobsPerSec.median ? a : b));
  };

  out.machine = [
    `Run of ${t.date.slice(0, 10)} (${t.minutes} min): ${t.machine.cpus} vCPUs (${t.machine.cpu}), ${t.machine.memGiB} GiB, Node ${t.node}, ${t.machine.redis ?? 'Redis'}, PostgreSQL ${t.machine.postgres ?? ''}.`,
    `Versions: ${Object.entries(t.versions)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    `Sizes ${t.sizes.map(num).join(' and ')} jobs, ${t.rounds} interleaved rounds; each figure is the median with <sub>min–max</sub>.${t.capSeconds ? ` A run projected to take more than ${t.capSeconds} s (from the smaller size${t.probe ? `, or for the first size from one probe round at ${num(t.probe)} jobs` : ''}) was skipped and is marked "skipped"${t.probe ? ", with the probe's figure" : ''}.` : ''}`,
  ].join('\n');

  for (const n of t.sizes) {
    // Enqueue.
    let md = `| system | 1 per call (jobs/s) | ratio to peer | 100 per call (jobs/s) | ratio to peer |\n| --- | --- | --- | --- | --- |\n`;
    for (const s of systems) {
      const cols = [1, 100].map((b) => {
        const r = find(s.name, 'enqueue', n, b, 1);
        if (!r?.jobsPerSec) return [r?.skipped ? skippedCell(s.name, 'enqueue', b, 1) : '–', ''];
        if (s.family !== 'edgeq') return [figure(r, t.rounds), ''];
        const ratios = peersFor(s)
          .map((f) => {
            const p = peerFigure(f, 'enqueue', n, b, 1);
            return p ? `${ratio(r.jobsPerSec.median, p.jobsPerSec.median)} ${f}` : undefined;
          })
          .filter(Boolean)
          .join(', ');
        return [figure(r, t.rounds), ratios];
      });
      md += `| ${s.label ?? s.name} | ${cols[0][0]} | ${cols[0][1]} | ${cols[1][0]} | ${cols[1][1]} |\n`;
    }
    out[`enqueue-${n}`] = md;

    // End to end: jobs/s.
    md = `| system | ${CELLS_E2E.map(([b, c]) => `b${b} c${c}`).join(' | ')} |\n| --- | ${CELLS_E2E.map(() => '---').join(' | ')} |\n`;
    for (const s of systems) {
      const cols = CELLS_E2E.map(([b, c]) => {
        const r = find(s.name, 'e2e', n, b, c);
        if (!r?.jobsPerSec)
          return r?.skipped?.startsWith('failed')
            ? 'failed'
            : r?.skipped
              ? skippedCell(s.name, 'e2e', b, c)
              : '–';
        return figure(r, t.rounds);
      });
      md += `| ${s.label ?? s.name} | ${cols.join(' | ')} |\n`;
    }
    out[`e2e-${n}`] = md;

    // End to end: edgeq as a ratio to each matching peer.
    md = `| edgeq | peer | ${CELLS_E2E.map(([b, c]) => `b${b} c${c}`).join(' | ')} |\n| --- | --- | ${CELLS_E2E.map(() => '---').join(' | ')} |\n`;
    for (const s of edgeq) {
      for (const f of peersFor(s)) {
        const cols = CELLS_E2E.map(([b, c]) => {
          const r = find(s.name, 'e2e', n, b, c);
          const p = peerFigure(f, 'e2e', n, b, c);
          return r?.jobsPerSec && p ? ratio(r.jobsPerSec.median, p.jobsPerSec.median) : '–';
        });
        md += `| ${s.label ?? s.name} | ${f} | ${cols.join(' | ')} |\n`;
      }
    }
    out[`ratios-${n}`] = md;

    // Latency.
    md = `| system | ${CELLS_E2E.map(([b, c]) => `b${b} c${c}`).join(' | ')} |\n| --- | ${CELLS_E2E.map(() => '---').join(' | ')} |\n`;
    for (const s of systems) {
      const cols = CELLS_E2E.map(([b, c]) => {
        const r = find(s.name, 'e2e', n, b, c);
        if (!r?.p50Ms) return '–';
        return `${r.p50Ms.median.toFixed(1)} / ${r.p99Ms.median.toFixed(1)}`;
      });
      md += `| ${s.label ?? s.name} | ${cols.join(' | ')} |\n`;
    }
    out[`latency-${n}`] = md;
  }

  // Headline: the targets, at the smaller size (every cell ran there).
  const n = t.sizes[0];
  const best = (filter, b, c) =>
    edgeq
      .filter(filter)
      .map((s) => find(s.name, 'e2e', n, b, c))
      .filter((r) => r?.jobsPerSec)
      .reduce((a, r) => (!a || r.jobsPerSec.median > a.jobsPerSec.median ? r : a), undefined);
  const lines = [];
  for (const c of [1, 10, 50]) {
    const redis = best((s) => s.backend === 'redis', 100, c);
    const bull = peerFigure('bullmq', 'e2e', n, 100, c);
    const pgE = best((s) => s.backend === 'postgres', 100, c);
    const boss = peerFigure('pg-boss', 'e2e', n, 100, c);
    const gw = peerFigure('graphile-worker', 'e2e', n, 100, c);
    lines.push(
      `| ${c} | ${redis ? `${fmt(redis.jobsPerSec.median)} (${redis.label ?? redis.system})` : '–'} | ${bull ? fmt(bull.jobsPerSec.median) : '–'} | **${ratio(redis?.jobsPerSec.median, bull?.jobsPerSec.median)}** | ${pgE ? `${fmt(pgE.jobsPerSec.median)} (${pgE.label ?? pgE.system})` : '–'} | ${boss ? fmt(boss.jobsPerSec.median) : '–'} | **${ratio(pgE?.jobsPerSec.median, boss?.jobsPerSec.median)}** | ${gw ? fmt(gw.jobsPerSec.median) : '–'} | **${ratio(pgE?.jobsPerSec.median, gw?.jobsPerSec.median)}** |`,
    );
  }
  out.headline = `End to end, ${num(n)} jobs, batches of 100, best edgeq path per store:\n\n| consumers | edgeq on Redis (jobs/s) | BullMQ | ratio (target 2x) | edgeq on Postgres | pg-boss | ratio (target 2x) | graphile-worker (best) | ratio (target 1x) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n${lines.join('\n')}\n`;

  // Charts.
  const chartRows = (b, c) =>
    systems
      .map((s) => ({ s, r: find(s.name, 'e2e', n, b, c) }))
      .filter(({ r }) => r?.jobsPerSec)
      .sort((a, b2) => b2.r.jobsPerSec.median - a.r.jobsPerSec.median)
      .map(({ s, r }) => ({
        label: s.label ?? s.name,
        value: r.jobsPerSec.median,
        min: r.jobsPerSec.min,
        max: r.jobsPerSec.max,
        color: s.family === 'edgeq' ? '#2563eb' : '#9ca3af',
      }));
  const charts = {};
  for (const b of [1, 100]) {
    charts[`jobs-by-system-b${b}.svg`] = barChart({
      title: `End to end jobs/s by system: ${num(n)} jobs, claim batch ${b}, 10 consumers (median, min-max)`,
      unit: 'jobs/s',
      rows: chartRows(b, 10),
    });
  }
  const pick = systems.filter(
    (s) => s.family !== 'edgeq' || s.target === 'http' || s.name.includes('http'),
  );
  charts['jobs-by-concurrency.svg'] = groupedChart({
    title: `End to end jobs/s by consumers: ${num(n)} jobs, claim batch 100 (edgeq through HTTP)`,
    unit: 'jobs/s',
    groups: ['1 consumer', '10 consumers', '50 consumers'],
    series: pick.map((s) => ({
      label: s.label ?? s.name,
      values: [1, 10, 50].map((c) => find(s.name, 'e2e', n, 100, c)?.jobsPerSec?.median),
    })),
  });
  for (const [f, svg] of Object.entries(charts)) writeFileSync(join(RESULTS, f), svg);
  return out;
}

/** Replaces each generated block of `md` with its new text; says which markers were missing. */
function fill(md, blocks) {
  for (const [name, text] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(md)) {
      console.warn(`BENCHMARKS.md has no block "${name}"`);
      continue;
    }
    md = md.replace(re, (_, a, b) => `${a}${text.trimEnd()}\n${b}`);
  }
  return md;
}

const blocks = {};
const t = load('throughput.json');
if (t) Object.assign(blocks, throughputSections(t));
Object.assign(blocks, costSections(load));
const file = join(ROOT, 'BENCHMARKS.md');
writeFileSync(file, fill(readFileSync(file, 'utf8'), blocks));
// The tables are written unpadded; the project's one formatter pads them, so CI's lint stays green.
spawnSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
console.log(`BENCHMARKS.md: ${Object.keys(blocks).length} blocks filled`);
