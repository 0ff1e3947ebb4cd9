/**
 * Concurrent claimers that drain a queue through the runtime, carrying each batch's acks on the
 * next claim, and record what happened: which lease tokens each job was leased under, how many
 * acks of each job succeeded, and every failed ack.
 */
import type { Runtime } from '../../src/runtime/runtime.js';

export interface DrainRecord {
  /** Job id -> every lease token it was leased under (one, when nothing went wrong). */
  tokens: Map<string, Set<string>>;
  /** Job id -> successful acks (one, when nothing went wrong). */
  acked: Map<string, number>;
  failures: string[];
}

/** One claimer per entry of `claimers` (entries may repeat a runtime); batch sizes vary 1..10. */
export async function drain(claimers: Runtime[], queue: string): Promise<DrainRecord> {
  const rec: DrainRecord = { tokens: new Map(), acked: new Map(), failures: [] };
  await Promise.all(
    claimers.map(async (rt, c) => {
      let acks: { id: string; leaseToken: string }[] = [];
      for (let round = 0; ; round++) {
        const res = await rt.claim(queue, { limit: 1 + ((c + round) % 10), acks });
        for (const a of res.acks) {
          if (a.ok) rec.acked.set(a.id, (rec.acked.get(a.id) ?? 0) + 1);
          else rec.failures.push(`${a.id}: ${a.error}`);
        }
        for (const j of res.jobs) {
          const seen = rec.tokens.get(j.id) ?? new Set<string>();
          seen.add(j.leaseToken);
          rec.tokens.set(j.id, seen);
        }
        acks = res.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
        if (!res.jobs.length) return;
      }
    }),
  );
  return rec;
}
