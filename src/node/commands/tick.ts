/** `edgeq tick`: the scheduled work, run once against the configured store. */
import { bool, parseFlags, usage } from './args.js';
import { type Command, withRuntime } from './context.js';

const HELP = `Usage: edgeq tick [--json]

Runs the scheduled work once, as edgeq serve's timer or a Cron Trigger would: expired leases
back to wait (or dead), waiting jobs past their deadline dead, finished jobs past retention
pruned, cron schedules' due slots enqueued, push-bound queues delivered. Prints the counts.
It runs across every namespace, as the scheduled trigger does (so --ns does not apply).

Flags:
  --json        print the tick's result as JSON
  --db <file>   the libSQL file when no other store is configured (.edgeq/edgeq.db)`;

/** `edgeq tick`. */
export const tickCommand: Command = {
  name: 'tick',
  summary: 'run the scheduled work once and print its counts',
  help: HELP,
  async run(args, ctx) {
    const p = parseFlags(args, {});
    if (p.positionals.length) throw usage('tick takes no arguments');
    const r = await withRuntime(ctx, p, (rt) => rt.tick());
    if (bool(p, 'json')) {
      ctx.out(JSON.stringify(r));
      return 0;
    }
    ctx.out(
      `reclaimed ${r.reclaimed}, dead ${r.dead}, expired ${r.expired}, pruned ${r.pruned}; ` +
        `schedules ${r.schedules.schedules} (enqueued ${r.schedules.enqueued}); ` +
        `pushed ${r.pushed.delivered} (failed ${r.pushed.failed}); ` +
        `handled ${r.handled.ran}; ${r.done ? 'done' : 'more left: run it again'} in ${r.elapsedMs} ms`,
    );
    return 0;
  },
};
