/**
 * A store with a realistic mix to copy, written through the store's real paths (enqueue, claim,
 * nack, reclaim; schedules, queue settings, a push binding and a pause through the runtime):
 * due jobs with idempotency keys and group keys, scheduled jobs, dead ones (past their
 * deadline, and nacked dead with an error).
 */
import { putSchedule } from '../../src/cron/store.js';
import type { Driver, NewJob } from '../../src/drivers/types.js';
import { bindPush } from '../../src/push/queues.js';
import { newJobId, newLeaseToken } from '../../src/runtime/ids.js';
import { createRuntime } from '../../src/runtime/runtime.js';

export interface SeedCounts {
  queued: number;
  scheduled: number;
  dead: number;
}

const DEFAULTS = { maxAttempts: 5, leaseMs: 30_000 };
const RETRY = { backoff: { baseMs: 1_000, maxMs: 60_000, jitter: 0 }, draw: 0 };

async function enqueueAll(d: Driver, ns: string, now: number, jobs: NewJob[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 1_000) {
    await d.enqueue({ ns, now, defaults: DEFAULTS, jobs: jobs.slice(i, i + 1_000) });
  }
}

/**
 * Queues: `emails` (due, keys on a third), `webhooks` (due and dead, group keys g0..g9),
 * `reports` (scheduled an hour ahead, paused), `imports` (nacked dead). `tag` makes keys and
 * payloads of two seeds differ.
 */
export async function seed(d: Driver, counts: SeedCounts, ns = 'default', tag = ''): Promise<void> {
  const now = Date.now();
  const jobs: NewJob[] = [];
  const base = (queue: string, i: number, runAt: number): NewJob => ({
    id: newJobId(now),
    queue,
    payload: JSON.stringify({ i, tag, s: 'ünï 🚀' }),
    runAt,
    priority: i % 3,
  });
  for (let i = 0; i < counts.queued; i++) {
    const j = base(i % 2 ? 'webhooks' : 'emails', i, now - 1_000);
    if (i % 3 === 0) j.key = `${tag}q${i}`;
    if (i % 2) j.group = `g${i % 10}`;
    jobs.push(j);
  }
  for (let i = 0; i < counts.scheduled; i++) {
    const j = base('reports', i, now + 3_600_000 + i);
    if (i % 5 === 0) j.key = `${tag}s${i}`;
    jobs.push(j);
  }
  // Dead by deadline: waiting past expiresAt, then one reclaim ends them `expired`.
  const nacked = Math.min(200, Math.floor(counts.dead / 10));
  const expired = counts.dead - nacked;
  for (let i = 0; i < expired; i++) {
    const j = base('webhooks', i, now - 2_000);
    j.expiresAt = now - 1_000;
    j.group = `g${i % 10}`;
    if (i % 4 === 0) j.key = `${tag}d${i}`;
    jobs.push(j);
  }
  for (let i = 0; i < nacked; i++)
    jobs.push({ ...base('imports', i, now - 1_000), maxAttempts: 3 });
  await enqueueAll(d, ns, now, jobs);
  const r = await d.reclaim({ now, limit: expired + 1, ns, ...RETRY });
  if (r.expired !== expired) throw new Error(`seed: ${r.expired} of ${expired} expired`);
  for (let left = nacked; left > 0; ) {
    const leaseToken = newLeaseToken();
    const got = await d.claim({ ns, now, queue: 'imports', limit: 100, leaseToken, limits: {} });
    for (const j of got.jobs) {
      await d.nack({ ns, now, id: j.id, leaseToken, dead: true, error: 'bad input', ...RETRY });
    }
    left -= got.jobs.length;
  }

  const rt = createRuntime({ driver: d });
  await putSchedule(rt, 'nightly', { cron: '0 3 * * *', tz: 'Europe/Paris', queue: 'reports' }, ns);
  await putSchedule(rt, 'hourly', { cron: '0 * * * *', queue: 'emails', payload: { a: 1 } }, ns);
  await d.advanceCursor({ ns, kind: 'schedule', name: 'hourly', cursor: now + 60_000 });
  await rt.putSettings('webhooks', { groupConcurrency: 2, maxAttempts: 7 }, ns);
  await bindPush(rt, 'imports', { url: 'https://hooks.example.com/edgeq' }, {}, ns);
  await rt.setPaused('reports', true, ns);
}
