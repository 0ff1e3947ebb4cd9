/** `edgeq copy --from <store> --to <store>`: moves a namespace's work from one store to another. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Driver } from '../../drivers/types.js';
import { bool, int, list, name, parseFlags, str, usage } from './args.js';
import type { Command, CommandContext } from './context.js';
import { checkCounts, type Difference } from './copy-check.js';
import {
  CONFIG_KINDS,
  type ConfigMoved,
  type CopyOptions,
  copiedStates,
  copyConfig,
  copyJobs,
  type Moved,
  type Plan,
  readPlan,
} from './copy-run.js';
import { parseStore, type StoreSpec } from './copy-stores.js';
import { count, plural, table } from './output.js';
import { progress } from './progress.js';

const HELP = `Usage: edgeq copy --from <store> --to <store> [flags]

Copies every queued, scheduled and dead job (ids, attempts, times, keys, groups, errors kept),
and every schedule, queue setting and push binding, from one store to another; then checks,
per namespace, queue and state, that the destination holds what the source does (a mismatch
exits 1 and lists the differences). Stop producers, consumers and the source's ticks first.

A store is a driver configured by the usual environment, or a driver with its URL:
  libsql               LIBSQL_URL (LIBSQL_AUTH_TOKEN), default file:.edgeq/edgeq.db
  libsql:<url>         libsql:file:./a.db, libsql:http://127.0.0.1:8080, libsql:libsql://...
  postgres             DATABASE_URL, EDGEQ_PG_TRANSPORT, EDGEQ_PG_SCHEMA
  postgres:<url>       postgres:postgres://user@host/db?transport=neon-http&schema=edgeq
                       (transport pg unless given; schema EDGEQ_PG_SCHEMA, else edgeq)
  upstash              UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, EDGEQ_REDIS_PREFIX
  upstash:<url>        upstash:https://host?prefix={edgeq} (token: UPSTASH_REDIS_REST_TOKEN)

Re-running a copy that was interrupted finishes it: ids already in the destination are
skipped and counted as such, never duplicated. A job whose idempotency key another job of the
destination holds is not written; it is listed and the copy exits 1.

Flags:
  --ns <a,b>            namespaces to copy (default "default")
  --all-namespaces      every namespace of the source that holds jobs or configuration
  --dry-run             read the source and report what would move; the destination is not
                        opened, nothing is written anywhere
  --include-active      copy leased jobs as queued, keeping their attempt count (a job a
                        worker is still running may then run again); without it a copy
                        refuses to start while jobs are leased
  --include-finished    also copy completed and cancelled jobs (history)
  --batch <n>           jobs per round trip, 1 to 1000 (default 500; lower it when payloads
                        are large, a request to the store carries a whole page)
  --from-token <t>, --to-token <t>   a libSQL or Upstash token instead of the environment's
  --json                print the report as JSON

Example:
  edgeq copy --from libsql:file:.edgeq/edgeq.db --to postgres --dry-run`;

interface Report {
  from: string;
  to: string;
  dryRun: boolean;
  total: number;
  namespaces: { ns: string; queues: unknown[]; configs: Record<string, number> }[];
  config?: ConfigMoved;
  jobs?: { read: number; restored: number; skipped: number; conflicts: string[] };
  check?: { ok: boolean; differences: Difference[] };
  elapsedMs: number;
}

/** The path of a local libSQL file store (the spec's URL is absolute by now). */
function localFile(spec: StoreSpec): string | undefined {
  const url = spec.kind === 'libsql' ? String(spec.env.LIBSQL_URL) : '';
  return url.startsWith('file:') ? url.slice('file:'.length).replace(/\?.*$/, '') : undefined;
}

/** A store for messages: no credentials, no tokens in a query string. */
const label = (s: StoreSpec) => s.identity.replace(/([?&](authToken|token)=)[^&\s]+/gi, '$1***');

function planLines(plan: Plan, o: CopyOptions): string[] {
  const states = copiedStates(o);
  const lines: string[] = [];
  for (const { ns, queues, configs } of plan.namespaces) {
    const jobs = queues.reduce((n, q) => n + states.reduce((m, s) => m + q.counts[s], 0), 0);
    const entries = CONFIG_KINDS.map((k) => `${configs[k].length} ${k}`).join(', ');
    lines.push(
      `${ns}: ${count(jobs)} jobs in ${plural(queues.length, 'queue')}; config: ${entries}`,
    );
    if (!queues.length) continue;
    const rows = queues.map((q) => [
      `  ${q.name}`,
      ...states.map((s) => `${s} ${count(q.counts[s])}`),
      q.paused ? 'paused' : '',
    ]);
    lines.push(...table(['', ...states.map(() => ''), ''], rows).slice(1));
  }
  return lines;
}

function total(moved: Moved[]): NonNullable<Report['jobs']> {
  const t = { read: 0, restored: 0, skipped: 0, conflicts: [] as string[] };
  for (const m of moved) {
    t.read += m.read;
    t.restored += m.restored;
    t.skipped += m.skipped;
    t.conflicts.push(...m.conflicts);
  }
  return t;
}

function options(p: ReturnType<typeof parseFlags>): CopyOptions {
  return {
    includeActive: bool(p, 'include-active'),
    includeFinished: bool(p, 'include-finished'),
    batch: int(str(p, 'batch') ?? '500', '--batch', 1, 1_000),
  };
}

function stores(p: ReturnType<typeof parseFlags>, ctx: CommandContext): [StoreSpec, StoreSpec] {
  const from = str(p, 'from');
  const to = str(p, 'to');
  if (from === undefined || to === undefined)
    throw usage('give both --from <store> and --to <store>');
  const src = parseStore('--from', from, ctx.env, str(p, 'from-token'));
  const dst = parseStore('--to', to, ctx.env, str(p, 'to-token'));
  for (const [flag, spec] of [
    ['--from', src],
    ['--to', dst],
  ] as const) {
    if (spec.kind === 'postgres' && str(p, `${flag.slice(2)}-token`) !== undefined) {
      throw usage(`${flag}-token goes with libsql or upstash; a Postgres URL carries its password`);
    }
  }
  if (src.identity === dst.identity) throw usage('--from and --to name the same store');
  // Opening a missing file would create an empty store, and copying nothing would pass.
  const file = localFile(src);
  if (file !== undefined && !existsSync(file)) throw usage(`--from: there is no file ${file}`);
  return [src, dst];
}

/** The --ns list, checked; undefined for --all-namespaces (read from the source). */
function namespaceFlags(p: ReturnType<typeof parseFlags>): string[] | undefined {
  const given = list(p, 'ns');
  if (bool(p, 'all-namespaces')) {
    if (given.length) throw usage('give --ns or --all-namespaces, not both');
    return undefined;
  }
  return (given.length ? given : ['default']).map((n) => name(n, 'namespace'));
}

async function allNamespaces(src: Driver): Promise<string[]> {
  if (!src.namespaces) throw usage(`the ${src.name} driver cannot list its namespaces; use --ns`);
  return src.namespaces();
}

/** `edgeq copy`. */
export const copyCommand: Command = {
  name: 'copy',
  summary: 'copy waiting and dead jobs, schedules and settings to another store',
  help: HELP,
  async run(args, ctx) {
    const p = parseFlags(args, {
      ns: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'all-namespaces': { type: 'boolean', default: false },
      'include-active': { type: 'boolean', default: false },
      'include-finished': { type: 'boolean', default: false },
      batch: { type: 'string' },
      'from-token': { type: 'string' },
      'to-token': { type: 'string' },
    });
    if (p.positionals.length) throw usage(`unexpected argument ${p.positionals[0]}`);
    const o = options(p);
    const given = namespaceFlags(p);
    const [fromSpec, toSpec] = stores(p, ctx);
    const dryRun = bool(p, 'dry-run');
    const started = Date.now();
    const opened: Driver[] = [];
    try {
      const src = ctx.pickDriver(fromSpec.env, '.edgeq/edgeq.db').driver;
      opened.push(src);
      const plan = await readPlan(src, given ?? (await allNamespaces(src)), o, Date.now());
      const report: Report = {
        from: label(fromSpec),
        to: label(toSpec),
        dryRun,
        total: plan.total,
        namespaces: plan.namespaces.map(({ ns, queues, configs }) => ({
          ns,
          queues,
          configs: Object.fromEntries(CONFIG_KINDS.map((k) => [k, configs[k].length])),
        })),
        elapsedMs: 0,
      };
      const lines = [`copy ${report.from} -> ${report.to}`, ...planLines(plan, o)];
      if (dryRun) {
        report.elapsedMs = Date.now() - started;
        lines.push(`dry run: ${count(plan.total)} jobs would move; nothing was written`);
        if (bool(p, 'json')) ctx.out(JSON.stringify(report));
        else for (const line of lines) ctx.out(line);
        return 0;
      }
      const to = localFile(toSpec);
      if (to !== undefined) mkdirSync(dirname(to), { recursive: true });
      const dst = ctx.pickDriver(toSpec.env, '.edgeq/edgeq.db').driver;
      opened.push(dst);
      report.config = await copyConfig(dst, plan);
      const bar = progress({ total: plan.total, unit: 'jobs', tty: ctx.tty, write: ctx.write });
      const moved = await copyJobs(src, dst, plan, o, (n) => bar.step(n));
      bar.end();
      const jobs = total(moved);
      const differences = await checkCounts(src, dst, plan, o);
      report.jobs = jobs;
      report.check = { ok: differences.length === 0, differences };
      report.elapsedMs = Date.now() - started;
      const c = report.config;
      lines.push(
        `wrote ${count(jobs.restored)} jobs (${count(jobs.skipped)} already there), ` +
          `${c.written} config entries (${c.unchanged} unchanged), ${c.paused} paused flags ` +
          `in ${(report.elapsedMs / 1000).toFixed(1)} s`,
      );
      if (jobs.conflicts.length) {
        const shown = jobs.conflicts.slice(0, 10).join(', ');
        lines.push(
          `not written: ${plural(jobs.conflicts.length, 'job')} whose idempotency key another job of the destination holds: ${shown}${jobs.conflicts.length > 10 ? ', ...' : ''}`,
        );
      }
      if (differences.length) {
        lines.push(`check: ${plural(differences.length, 'count')} differ (source vs destination):`);
        for (const d of differences) {
          lines.push(`  ${d.ns}/${d.queue} ${d.state}: ${d.source} vs ${d.destination}`);
        }
      } else {
        const queues = plan.namespaces.reduce((n, s) => n + s.queues.length, 0);
        const n = plan.namespaces.length;
        lines.push(`check: counts match (${plural(n, 'namespace')}, ${plural(queues, 'queue')})`);
      }
      if (bool(p, 'json')) ctx.out(JSON.stringify(report));
      else for (const line of lines) ctx.out(line);
      return differences.length || jobs.conflicts.length ? 1 : 0;
    } finally {
      await Promise.allSettled(opened.map((d) => d.close()));
    }
  },
};
