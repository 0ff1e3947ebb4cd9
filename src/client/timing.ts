/** Backoff with jitter and an abortable sleep: the only timing the client and worker need. */

/**
 * Exponential backoff with equal jitter: `min(maxMs, baseMs * 2^step)` scaled by a random factor
 * in [0.5, 1). Equal rather than full jitter so a delay never collapses to ~0, which would turn a
 * backoff into a hot retry loop.
 */
export function backoff(step: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(step, 30));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The timer is
 * cleared either way, so nothing is left behind.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** True once `p` settles, false if `deadline` (epoch ms) comes first; its timer is cleared. */
export async function within(p: Promise<unknown>, deadline: number): Promise<boolean> {
  const ctrl = new AbortController();
  const settled = () => true;
  const late = () => false;
  try {
    return await Promise.race([
      p.then(settled, settled),
      sleep(Math.max(0, deadline - Date.now()), ctrl.signal).then(late, late),
    ]);
  } finally {
    ctrl.abort();
  }
}
