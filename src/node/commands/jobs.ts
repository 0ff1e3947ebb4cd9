/**
 * `edgeq jobs <queue>` (one page of a queue's jobs in a state), `edgeq jobs get <id>`, and the
 * dead letters: `edgeq dead list <queue>`, `edgeq dead replay <queue> [--id ...]`.
 */
import { JOB_STATES, type JobState } from '../../drivers/types.js';
import { jobId } from '../../handlers/schemas.js';
import type { JobView } from '../../runtime/views.js';
import { bool, int, list, name, type Parsed, parseFlags, str, usage } from './args.js';
import { type Command, type CommandContext, withRuntime } from './context.js';
import { clip, table, when } from './output.js';

const PAGE = {
  limit: { type: 'string', default: '20' },
  cursor: { type: 'string' },
} as const;

const JOBS_HELP = `Usage: edgeq jobs <queue> [--state queued] [--limit 20] [--cursor <id>]
       edgeq jobs get <id>

The first lists one page of <queue>'s jobs in a state, in id (creation) order; when more
follow it prints the --cursor for the next page. The second prints one job as JSON.

Flags:
  --state <state>    scheduled | queued | active | completed | dead | cancelled (default queued)
  --limit <n>        jobs per page, 1 to 1000 (default 20)
  --cursor <id>      the page after this job id (printed after a full page)
  --ns <namespace>   namespace (default "default")
  --json             print {"jobs":[...],"cursor"?} (or the job) as one line of JSON
  --db <file>        the libSQL file when no other store is configured (.edgeq/edgeq.db)`;

const DEAD_HELP = `Usage: edgeq dead list <queue> [--limit 20] [--cursor <id>]
       edgeq dead replay <queue> [--id <id>]...

list: the dead jobs of <queue> (out of attempts, nacked dead, or past their deadline) with
their last error. replay: puts them back to wait with fresh attempts: the --id jobs (repeat
the flag or separate ids with commas), or every dead job of the queue.

Flags:
  --id <id>          replay only this job (repeatable)
  --limit, --cursor  paging of list, as for edgeq jobs
  --ns <namespace>   namespace (default "default")
  --json             print JSON ({"jobs",...} or {"replayed"})
  --db <file>        the libSQL file when no other store is configured (.edgeq/edgeq.db)`;

function id(raw: string | undefined): string {
  if (raw === undefined) throw usage('give the job id');
  if (!jobId.safeParse(raw).success) throw usage(`"${raw}" is not a job id`);
  return raw;
}

function page(p: Parsed): { limit: number; cursor?: string } {
  const cursor = str(p, 'cursor');
  return {
    limit: int(str(p, 'limit') ?? '20', '--limit', 1, 1_000),
    ...(cursor === undefined ? {} : { cursor: id(cursor) }),
  };
}

/** Prints a page: a table (with the next page's command) or one line of JSON. */
function printPage(
  ctx: CommandContext,
  p: Parsed,
  res: { jobs: JobView[]; cursor?: string },
  columns: 'jobs' | 'dead',
  next: string,
): void {
  if (bool(p, 'json')) {
    ctx.out(JSON.stringify(res));
    return;
  }
  if (!res.jobs.length) ctx.out('no jobs');
  else if (columns === 'jobs') {
    const rows = res.jobs.map((j) => [
      j.id,
      j.state,
      `${j.attempt}/${j.maxAttempts}`,
      String(j.priority),
      when(j.runAt),
      j.key ?? '',
      j.group ?? '',
      clip(j.lastError, 40),
    ]);
    const header = ['ID', 'STATE', 'ATTEMPT', 'PRIORITY', 'RUN AT', 'KEY', 'GROUP', 'LAST ERROR'];
    for (const line of table(header, rows)) ctx.out(line);
  } else {
    const rows = res.jobs.map((j) => [
      j.id,
      `${j.attempt}/${j.maxAttempts}`,
      when(j.finishedAt),
      clip(j.lastError),
    ]);
    for (const line of table(['ID', 'ATTEMPT', 'DIED', 'LAST ERROR'], rows)) ctx.out(line);
  }
  if (res.cursor) ctx.out(`more: ${next} --cursor ${res.cursor}`);
}

/** `edgeq jobs`. */
export const jobsCommand: Command = {
  name: 'jobs',
  summary: "one page of a queue's jobs in a state, or one job (jobs get <id>)",
  help: JOBS_HELP,
  async run(args, ctx) {
    const p = parseFlags(args, { ...PAGE, state: { type: 'string', default: 'queued' } });
    const [first, second, ...rest] = p.positionals;
    if (rest.length) throw usage('too many arguments');
    if (first === 'get' && second !== undefined) {
      const job = await withRuntime(ctx, p, (rt, ns) => rt.get(id(second), ns));
      ctx.out(bool(p, 'json') ? JSON.stringify(job) : JSON.stringify(job, null, 2));
      return 0;
    }
    if (second !== undefined) throw usage('give one queue (or: jobs get <id>)');
    const queue = name(first, 'queue');
    const state = str(p, 'state') as JobState;
    if (!JOB_STATES.includes(state)) {
      throw usage(`--state must be one of ${JOB_STATES.join(', ')}, got "${state}"`);
    }
    const res = await withRuntime(ctx, p, (rt, ns) => rt.list(queue, state, page(p), ns));
    printPage(ctx, p, res, 'jobs', `edgeq jobs ${queue} --state ${state}`);
    return 0;
  },
};

/** `edgeq dead`. */
export const deadCommand: Command = {
  name: 'dead',
  summary: 'dead jobs of a queue: list them, or replay them',
  help: DEAD_HELP,
  async run(args, ctx) {
    const p = parseFlags(args, { ...PAGE, id: { type: 'string', multiple: true } });
    const [action, queueName, ...rest] = p.positionals;
    if (action !== 'list' && action !== 'replay') {
      throw usage(`give list or replay, got ${action === undefined ? 'nothing' : `"${action}"`}`);
    }
    if (rest.length) throw usage('too many arguments');
    const queue = name(queueName, 'queue');
    if (action === 'list') {
      if (list(p, 'id').length) throw usage('--id goes with dead replay');
      const res = await withRuntime(ctx, p, (rt, ns) => rt.list(queue, 'dead', page(p), ns));
      printPage(ctx, p, res, 'dead', `edgeq dead list ${queue}`);
      return 0;
    }
    const ids = list(p, 'id').map(id);
    if (ids.length > 1_000) throw usage('replay at most 1000 ids at once');
    const replayed = await withRuntime(ctx, p, (rt, ns) =>
      rt.replayDead(queue, ids.length ? ids : undefined, ns),
    );
    ctx.out(bool(p, 'json') ? JSON.stringify({ replayed }) : `replayed ${replayed}`);
    return 0;
  },
};
