/**
 * Many claimers on one queue: a fixed backlog drained by concurrent claimers, and enqueue storms
 * (with racing idempotency keys) while claimers drain.
 */
import { expect } from 'vitest';
import type { DriverVariant } from '../support/driver-fixtures.js';
import type { AckRef } from '../support/history.js';
import { enqueueAll, rng, type ScenarioCtx, scenario, workers } from './harness.js';
import type { Recorded } from './recorder.js';
import { sizesFor } from './sizes.js';

/**
 * One claimer: claims batches of 1..maxBatch (default 10) and acks each batch one of three ways
 * (carried on the next claim, one ack call per job, one ack call for the batch), until a claim
 * finds nothing and `stop()` (default: at once) said so before that claim. `carryAcks`: always
 * the first way (one round trip per batch: for draining a big backlog fast).
 */
export async function claimer(
  rec: Recorded,
  queue: string,
  seed: number,
  opts: { stop?: () => boolean; maxBatch?: number; carryAcks?: boolean } = {},
): Promise<void> {
  const pick = rng(seed);
  const stop = opts.stop ?? (() => true);
  const maxBatch = opts.maxBatch ?? 10;
  let carried: AckRef[] = [];
  for (;;) {
    const last = stop();
    const { jobs } = await rec.claim(queue, { limit: 1 + pick(maxBatch), acks: carried });
    carried = [];
    const refs = jobs.map((j) => ({ id: j.id, token: j.token }));
    const how = opts.carryAcks ? 0 : pick(3);
    if (how === 0) carried = refs;
    else if (how === 1) await Promise.all(refs.map((r) => rec.ack(r)));
    else if (refs.length) await rec.ackMany(refs);
    if (!jobs.length) {
      if (last) return;
      await new Promise((res) => setTimeout(res, 2));
    }
  }
}

export function claimerScenarios(variant: DriverVariant): void {
  const size = sizesFor(variant.label);

  scenario(variant, {
    name: `concurrent claimers: ${size.claimers} x ${size.jobs} jobs, each leased once, completed once`,
    queues: ['work'],
    timeoutMs: 300_000,
    async body({ rec, note, h }: ScenarioCtx) {
      await enqueueAll(rec, 'work', 'cc', size.jobs);
      await workers(size.claimers, (i) => claimer(rec, 'work', i + 1));
      // The clock never moved: no lease expired, so no job may have been leased twice.
      const leases = h.ops.reduce(
        (n, op) => n + (op.kind === 'claim' && op.reply ? op.reply.jobs.length : 0),
        0,
      );
      expect(leases).toBe(size.jobs);
      note({ claimers: size.claimers, jobs: size.jobs, leases });
    },
  });

  scenario(variant, {
    name: `enqueue storm while draining: ${size.producers} producers, racing keys, ${size.stormClaimers} claimers`,
    queues: ['storm'],
    timeoutMs: 300_000,
    async body({ rec, clock, note }: ScenarioCtx) {
      let producing = size.producers;
      let items = 0;
      const producer = async (p: number) => {
        const pick = rng(1_000 + p);
        for (let b = 0; b < size.stormBatches; b++) {
          // Up to 50 jobs; one in three carries a key from a small shared pool, so producers
          // race on the same keys (and a batch may repeat a key).
          const batch = Array.from({ length: 1 + pick(50) }, (_, i) => ({
            value: `st-${p}-${b}-${i}`,
            ...(pick(3) === 0 ? { key: `k${pick(100)}` } : {}),
          }));
          items += batch.length;
          await rec.enqueue('storm', batch);
          if (b % 4 === 3) clock.advance(1); // ids and run times move on, as in production
        }
        producing--;
      };
      const ticker = async () => {
        while (producing > 0) {
          await rec.tick();
          await new Promise((res) => setTimeout(res, 5));
        }
      };
      await Promise.all([
        workers(size.producers, producer),
        ticker(),
        workers(size.stormClaimers, (i) =>
          claimer(rec, 'storm', 50 + i, { stop: () => producing === 0 }),
        ),
      ]);
      note({ producers: size.producers, items });
    },
  });
}
