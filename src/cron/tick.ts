/**
 * The scheduled work that replaces long-lived workers: put expired leases back (or dead-letter
 * them), delete finished jobs past their retention, and run in-process handlers. Runs from the Worker's `scheduled`
 * handler, `POST /v1/tick`, and `edgeq serve`'s timer. Every driver call is bounded
 * (`batchSize` jobs) and the loop stops when the store is clean or the time budget is spent, so
 * 25,000 expired leases are worked off over a few ticks rather than one unbounded call.
 *
 * Then cron schedules enqueue their due slots (./schedules.ts), push-bound queues are delivered
 * (src/push/queues.ts), and in-process handlers run last, with what is left of the budget.
 */

import type { PruneParams } from '../drivers/types.js';
import { runPushes } from '../push/queues.js';
import type { Runtime } from '../runtime/runtime.js';
import { runSchedules, syncCodeSchedules } from './schedules.js';

export interface TickResult {
  /** Expired leases put back to wait for a retry. */
  reclaimed: number;
  /** Expired leases whose job had no attempts left, now dead. */
  dead: number;
  /** Waiting jobs past their deadline, now dead (`expired`). */
  expired: number;
  /** Finished jobs deleted after their retention. */
  pruned: number;
  /** Cron schedules looked at, and jobs they newly enqueued. */
  schedules: { schedules: number; enqueued: number };
  /** Jobs POSTed to push endpoints, by outcome. */
  pushed: { delivered: number; failed: number };
  /** Jobs run by in-process handlers, by outcome. */
  handled: { ran: number; completed: number; failed: number };
  /** False when the time or call budget ran out with work left; the next tick continues. */
  done: boolean;
  elapsedMs: number;
}

export async function runTick(rt: Runtime): Promise<TickResult> {
  const { batchSize: limit, budgetMs, maxCalls } = rt.tickOptions;
  // Wall time for the budget, not the runtime's (possibly injected) queue clock; and storage
  // calls, since the Workers free plan caps subrequests per invocation.
  const started = Date.now();
  const calls = rt.calls;
  const inBudget = () => Date.now() - started < budgetMs && rt.calls - calls < maxCalls;
  const out: TickResult = {
    reclaimed: 0,
    dead: 0,
    expired: 0,
    pruned: 0,
    schedules: { schedules: 0, enqueued: 0 },
    pushed: { delivered: 0, failed: 0 },
    handled: { ran: 0, completed: 0, failed: 0 },
    done: false,
    elapsedMs: 0,
  };

  let reclaimDone = false;
  while (inBudget()) {
    const now = rt.now();
    const r = await rt.call(() => rt.driver.reclaim({ now, limit, ...rt.retry() }));
    out.reclaimed += r.requeued;
    out.dead += r.dead;
    out.expired += r.expired;
    if (r.requeued + r.dead < limit && r.expired < limit) {
      reclaimDone = true;
      break;
    }
  }
  const pruneDone = reclaimDone && (await prune(rt, limit, inBudget, out));
  // Schedules: one read for every namespace's schedules, then one enqueue per due schedule.
  if (!rt.schedulesSynced) {
    await syncCodeSchedules(rt, rt.schedules);
    rt.schedulesSynced = true;
  }
  out.schedules = await runSchedules(rt, inBudget);

  // Push delivery: one read for every namespace's bindings, then claim and POST per bound queue.
  out.pushed = await runPushes(rt, inBudget, rt.pushPolicy);

  // Handlers get what is left of the budget, queue after queue.
  let handlersDone = true;
  for (const queue of rt.handlers.keys()) {
    if (!inBudget()) {
      handlersDone = false;
      break;
    }
    const r = await rt.drain(queue, { within: inBudget });
    out.handled.ran += r.ran;
    out.handled.completed += r.completed;
    out.handled.failed += r.failed;
    handlersDone &&= r.done;
  }
  out.done = reclaimDone && pruneDone && handlersDone;
  out.elapsedMs = Date.now() - started;
  return out;
}

/**
 * Deletes finished jobs past their retention: first each code-configured queue with its own
 * retention, then every other queue with the runtime's.
 */
async function prune(
  rt: Runtime,
  limit: number,
  inBudget: () => boolean,
  out: TickResult,
): Promise<boolean> {
  const { completedRetentionMs, deadRetentionMs } = rt.limits;
  const own = [...rt.queueSettings].filter(([, s]) => s.retention);
  const except = own.map(([queue]) => queue);
  const passes: { completedMs: number; deadMs: number; scope: Partial<PruneParams> }[] = [
    ...own.map(([queue, s]) => ({
      completedMs: s.retention?.completedMs ?? completedRetentionMs,
      deadMs: s.retention?.deadMs ?? deadRetentionMs,
      scope: { queue },
    })),
    {
      completedMs: completedRetentionMs,
      deadMs: deadRetentionMs,
      scope: except.length ? { exceptQueues: except } : {},
    },
  ];
  for (const { completedMs, deadMs, scope } of passes) {
    for (;;) {
      if (!inBudget()) return false;
      const now = rt.now();
      const r = await rt.call(() =>
        rt.driver.prune({
          now,
          finishedBefore: now - completedMs,
          deadBefore: now - deadMs,
          limit,
          ...scope,
        }),
      );
      out.pruned += r.pruned;
      if (r.pruned < limit) break;
    }
  }
  return true;
}
