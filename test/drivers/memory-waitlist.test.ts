/**
 * The memory driver's waiting list against a plain sorted array: random inserts, removals from
 * the front (claims) and from anywhere (cancels), checked in claim order after every step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type StoredJob, WaitList } from '../../src/drivers/memory/job.js';

function job(id: number, priority: number, runAt: number): StoredJob {
  return { id: String(id).padStart(8, '0'), priority, runAt } as unknown as StoredJob;
}

const order = (a: StoredJob, b: StoredJob) =>
  b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : 1);

describe('memory WaitList', () => {
  it('keeps claim order through random inserts, front takes and removals', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('insert' as const),
        p: fc.integer({ min: 0, max: 2 }),
        r: fc.integer({ min: 0, max: 5 }),
      }),
      fc.record({ kind: fc.constant('take' as const) }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3_000 }), (ops) => {
        const list = new WaitList();
        let ref: StoredJob[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'insert') {
            const j = job(next++, o.p, o.r);
            list.insert(j);
            ref = [...ref, j].sort(order);
          } else if (ref.length > 0) {
            const victim = o.kind === 'take' ? ref[0]! : ref[o.at % ref.length]!;
            list.remove(victim);
            ref = ref.filter((j) => j !== victim);
          }
          expect(list.length).toBe(ref.length);
        }
        expect([...list]).toEqual(ref);
      }),
      { numRuns: 200 },
    );
  });

  it('takes from the front of a deep list without shifting it (compacts as it goes)', () => {
    const list = new WaitList();
    const jobs = Array.from({ length: 5_000 }, (_, i) => job(i, 0, 0));
    for (const j of jobs) list.insert(j);
    for (let i = 0; i < 4_000; i++) list.remove(jobs[i]!);
    expect(list.length).toBe(1_000);
    expect([...list][0]).toBe(jobs[4_000]);
    list.insert(job(-1, 5, 0)); // a higher priority goes in front of the taken offset
    expect([...list][0]!.priority).toBe(5);
  });
});
