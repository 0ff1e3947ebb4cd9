// The two measurements every system runs, written once so that edgeq and its peers are timed
// the same way. A system adapter (bench/systems/*.mjs) only knows how to open a fresh queue,
// enqueue a batch and run consumers; the clock and the counting live here.
//
// Adapter shape (plain objects, no classes):
//   system = { name, label, open(): Promise<Session> }   a fresh, empty queue per run
//   Session = {
//     enqueue(items): Promise<void>     items: [{ i, t0 }]; ONE call of the system's API: a single
//                                       add when items.length is 1, its bulk add otherwise
//     consume({ concurrency, batch, onClaimed, onAcked }):
//                      Promise<{ stop(): Promise<void>, failed?: Promise<never> }>
//                                       starts `concurrency` consumers taking up to `batch` jobs
//                                       per fetch; calls onClaimed(payload) when a job is handed
//                                       to a consumer and onAcked(n) when n jobs are durably
//                                       completed (acked) in the store
//     requests?(): Promise<number>      storage requests so far, where the system can count them
//     close(): Promise<void>            stops everything, drops the queue's data
//   }
import { nowMs, quantile, round } from './stats.mjs';

/** Enqueue throughput: one producer, `n` jobs in calls of `batch`, back to back. */
export async function measureEnqueue(system, { n, batch }) {
  const s = await system.open();
  try {
    const t = performance.now();
    for (let i = 0; i < n; i += batch) {
      const items = [];
      for (let k = i; k < Math.min(n, i + batch); k++) items.push({ i: k, t0: nowMs() });
      await s.enqueue(items);
    }
    const ms = performance.now() - t;
    return { jobsPerSec: round((n / ms) * 1000, 1), ms: round(ms, 1) };
  } finally {
    await s.close();
  }
}

/**
 * End to end: the clock starts, one producer enqueues `n` jobs in bulk calls of 100 (the same
 * way for every system) while `concurrency` consumers take `batch` jobs per fetch and ack them;
 * the clock stops when all `n` are acked. Enqueue-to-claim latency is taken per job, from just
 * before its enqueue call to its hand-over to a consumer: under this saturating load it mostly
 * measures how long a job waits behind the backlog. Throws if a job was lost or handed twice.
 */
export async function measureEndToEnd(system, { n, batch, concurrency, timeoutMs = 600_000 }) {
  const s = await system.open();
  const latencies = new Float64Array(n);
  const seen = new Uint8Array(n);
  let claimed = 0;
  let dupes = 0;
  let acked = 0;
  let done;
  const finished = new Promise((r) => {
    done = r;
  });
  let consumers;
  try {
    const t = performance.now();
    const req0 = (await s.requests?.()) ?? 0;
    consumers = await s.consume({
      concurrency,
      batch,
      onClaimed(p) {
        if (seen[p.i]) dupes++;
        else {
          seen[p.i] = 1;
          latencies[claimed++] = nowMs() - p.t0;
        }
      },
      onAcked(k) {
        acked += k;
        if (acked >= n) done();
      },
    });
    for (let i = 0; i < n; i += 100) {
      const items = [];
      for (let k = i; k < Math.min(n, i + 100); k++) items.push({ i: k, t0: nowMs() });
      await s.enqueue(items);
    }
    let timer;
    const timeout = new Promise((_, rej) => {
      timer = setTimeout(
        () => rej(new Error(`${system.name}: ${acked}/${n} acked after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    // A consumer that failed (a failed ack, a dead server) fails the run at once.
    await Promise.race([
      finished,
      timeout,
      ...(consumers.failed ? [consumers.failed] : []),
    ]).finally(() => clearTimeout(timer));
    const ms = performance.now() - t;
    const requests = s.requests ? (await s.requests()) - req0 : undefined;
    await consumers.stop();
    consumers = undefined;
    if (claimed !== n) throw new Error(`${system.name}: ${claimed} of ${n} jobs claimed`);
    const lat = latencies.subarray(0, claimed);
    return {
      jobsPerSec: round((n / ms) * 1000, 1),
      ms: round(ms, 1),
      p50Ms: round(quantile(lat, 0.5), 2),
      p99Ms: round(quantile(lat, 0.99), 2),
      redelivered: dupes,
      ...(requests !== undefined ? { requestsPerJob: round(requests / n, 3) } : {}),
    };
  } finally {
    await consumers?.stop().catch(() => {});
    await s.close();
  }
}
