/**
 * The count check at the end of `edgeq copy`: per namespace, queue and copied state, the
 * source's count against the destination's, both read at one instant; and every configuration
 * entry of the source present at the destination with the same value.
 */
import type { Driver, JobState, QueueCounts } from '../../drivers/types.js';
import { CONFIG_KINDS, type CopyOptions, copiedStates, type Plan } from './copy-run.js';

/** One count (or configuration entry) that differs between the stores. */
export interface Difference {
  ns: string;
  /** A queue, or `config <kind>`. */
  queue: string;
  /** A job state, or a config entry's name. */
  state: string;
  source: number | string;
  destination: number | string;
}

/** What the destination should hold of `state` for a source queue with `counts`. */
function expected(counts: QueueCounts, state: JobState, o: CopyOptions): number {
  // Leased jobs (--include-active) arrive waiting; their run time has passed, so queued.
  return state === 'queued' && o.includeActive ? counts.queued + counts.active : counts[state];
}

/** Every difference between the stores in what the copy moved; none when it all arrived. */
export async function checkCounts(
  src: Driver,
  dst: Driver,
  plan: Plan,
  o: CopyOptions,
): Promise<Difference[]> {
  const now = Date.now();
  const states = copiedStates(o).filter((s) => s !== 'active');
  const out: Difference[] = [];
  for (const { ns } of plan.namespaces) {
    const there = new Map((await dst.queues({ ns, now })).map((q) => [q.name, q.counts]));
    for (const q of await src.queues({ ns, now })) {
      const have = there.get(q.name);
      for (const state of states) {
        const want = expected(q.counts, state, o);
        const got = have?.[state] ?? 0;
        if (want !== got) out.push({ ns, queue: q.name, state, source: want, destination: got });
      }
    }
    for (const kind of CONFIG_KINDS) {
      const there = new Map((await dst.configs({ kind, ns })).map((e) => [e.name, e.value]));
      for (const e of await src.configs({ kind, ns })) {
        const got = there.get(e.name);
        if (got === e.value) continue;
        out.push({
          ns,
          queue: `config ${kind}`,
          state: e.name,
          source: 'present',
          destination: got === undefined ? 'missing' : 'different',
        });
      }
    }
  }
  return out;
}
