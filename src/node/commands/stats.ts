/** `edgeq stats [queue]`: each queue's job counts by state, and whether it is paused. */
import { JOB_STATES, type QueueInfo } from '../../drivers/types.js';
import { bool, name, parseFlags, usage } from './args.js';
import { type Command, withRuntime } from './context.js';
import { count, table } from './output.js';

const HELP = `Usage: edgeq stats [queue] [--ns <namespace>] [--json]

Every queue of the namespace (or only <queue>) with its jobs counted by state: scheduled
(waiting for their run time), queued (due), active (leased), completed, dead, cancelled.

Flags:
  --ns <namespace>   namespace (default "default")
  --json             print {"queues":[{"name","paused","counts"}]} as JSON
  --db <file>        the libSQL file when no other store is configured (.edgeq/edgeq.db)`;

/** Queues as table lines, one per queue, counts in state order. */
export function statsTable(queues: QueueInfo[]): string[] {
  if (!queues.length) return ['no queues yet'];
  return table(
    ['QUEUE', 'PAUSED', ...JOB_STATES.map((s) => s.toUpperCase())],
    queues.map((q) => [
      q.name,
      q.paused ? 'yes' : 'no',
      ...JOB_STATES.map((s) => count(q.counts[s])),
    ]),
  );
}

/** `edgeq stats`. */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'queues with their job counts per state',
  help: HELP,
  async run(args, ctx) {
    const p = parseFlags(args, {});
    if (p.positionals.length > 1) throw usage('give at most one queue');
    const only = p.positionals[0] === undefined ? undefined : name(p.positionals[0], 'queue');
    const queues = await withRuntime(ctx, p, async (rt, ns) =>
      only === undefined ? rt.queues(ns) : [await rt.queue(only, ns)],
    );
    if (bool(p, 'json')) ctx.out(JSON.stringify({ queues }));
    else for (const line of statsTable(queues)) ctx.out(line);
    return 0;
  },
};
