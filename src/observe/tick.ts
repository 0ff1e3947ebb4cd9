/** The tick's log line, shared by the Worker's Cron Trigger and `edgeq serve`'s timer. */
import type { TickResult } from '../cron/tick.js';
import type { Logger } from './log.js';

/**
 * Logs one tick's counts: at `info` when it moved or deleted jobs or left work for the next
 * tick, at `debug` when it found nothing to do (once a minute per Worker, every 10 s per serve).
 *
 * @example logTick(rt.log.child({ requestId: newRequestId() }), await rt.tick());
 */
export function logTick(log: Logger, r: TickResult): void {
  const fields = {
    reclaimed: r.reclaimed,
    dead: r.dead,
    expired: r.expired,
    pruned: r.pruned,
    scheduled: r.schedules.enqueued,
    pushed: r.pushed.delivered,
    pushFailed: r.pushed.failed,
    handled: r.handled.ran,
    done: r.done,
    elapsedMs: r.elapsedMs,
  };
  const busy =
    r.reclaimed + r.dead + r.expired + r.pruned + r.schedules.enqueued + r.pushed.delivered > 0 ||
    r.pushed.failed + r.handled.ran > 0 ||
    !r.done;
  if (busy) log.info('tick', fields);
  else log.debug('tick', fields);
}
