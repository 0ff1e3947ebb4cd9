/** `edgeq enqueue <queue> [payload | -]`: one job, straight into the configured store. */
import { EdgeqError } from '../../errors.js';
import { jobInput } from '../../handlers/schemas.js';
import type { JobInput } from '../../runtime/runtime.js';
import { bool, duration, int, jsonArg, name, parseFlags, str, time, usage } from './args.js';
import { type Command, withRuntime } from './context.js';

const HELP = `Usage: edgeq enqueue <queue> [payload-json | -] [flags]

Adds one job to <queue> of the configured store (the store edgeq serve would use). The payload
is any JSON value (default null); - reads it from stdin. Prints the job's id and whether it was
created (an existing job with the same --key is returned instead).

Flags:
  --key <text>          idempotency key: while a job with it exists, its id is returned
  --delay <duration>    run no earlier than this from now: 500ms, 30s, 5m, 2h, 1d (bare = ms)
  --run-at <time>       run no earlier than this: ISO 8601 with offset, or epoch ms
  --priority <n>        higher is claimed first (default 0)
  --max-attempts <n>    attempts before the job is dead (default: the queue's, else 5)
  --group <text>        flow-control key (fair rotation, per-group limits)
  --ns <namespace>      namespace (default "default")
  --json                print {"id","created"} as JSON
  --db <file>           the libSQL file when no other store is configured (.edgeq/edgeq.db)

Examples:
  edgeq enqueue emails '{"to":"ada@example.com"}' --key welcome-ada
  echo '{"report":42}' | edgeq enqueue reports - --delay 10m`;

async function readPayload(
  raw: string | undefined,
  stdin: () => Promise<string>,
): Promise<unknown> {
  if (raw === undefined) return null;
  const text = raw === '-' ? await stdin() : raw;
  if (text.trim() === '') throw usage('the payload is empty; give a JSON value, e.g. null');
  return jsonArg(text, raw === '-' ? 'the payload on stdin' : 'the payload');
}

/** `edgeq enqueue`. */
export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'add a job to a queue',
  help: HELP,
  async run(args, ctx) {
    const p = parseFlags(args, {
      key: { type: 'string' },
      delay: { type: 'string' },
      'run-at': { type: 'string' },
      priority: { type: 'string' },
      'max-attempts': { type: 'string' },
      group: { type: 'string' },
    });
    if (p.positionals.length > 2) throw usage('give a queue and at most one payload');
    const queue = name(p.positionals[0], 'queue');
    const input: JobInput = { payload: await readPayload(p.positionals[1], ctx.stdin) };
    const key = str(p, 'key');
    const delay = str(p, 'delay');
    const runAt = str(p, 'run-at');
    const priority = str(p, 'priority');
    const maxAttempts = str(p, 'max-attempts');
    const group = str(p, 'group');
    if (delay !== undefined && runAt !== undefined)
      throw usage('give --delay or --run-at, not both');
    if (key !== undefined) input.key = key;
    if (delay !== undefined) input.delayMs = duration(delay, '--delay');
    if (runAt !== undefined) input.runAt = time(runAt, '--run-at');
    if (priority !== undefined) input.priority = int(priority, '--priority', -1e6, 1e6);
    if (maxAttempts !== undefined) {
      input.maxAttempts = int(maxAttempts, '--max-attempts', 1, 1_000);
    }
    if (group !== undefined) input.group = group;
    // The API's own schema: the same bounds and messages as POST /v1/queues/:queue/jobs.
    const checked = jobInput.safeParse(input);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new EdgeqError('invalid_request', issue.message, { field: issue.path.join('.') });
    }
    const [res] = await withRuntime(ctx, p, (rt, ns) => rt.enqueue(queue, [input], ns));
    if (bool(p, 'json')) ctx.out(JSON.stringify(res));
    else ctx.out(res!.created ? `created ${res!.id}` : `exists ${res!.id} (same key)`);
    return 0;
  },
};
