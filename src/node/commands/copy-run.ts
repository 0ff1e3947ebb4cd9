/**
 * The copy itself, over two drivers: read the source's plan (queues, counts, configuration),
 * write the configuration and paused flags, then move the jobs queue by queue and state by state
 * in pages of `batch`: one `list` on the source and one `restore` on the destination per page,
 * the next page read while the current one is written.
 *
 * Re-running after an interruption is safe: ids are kept, and `restore` skips an id the
 * destination holds (counted as skipped). Each page is listed at one instant (`listedAt`), so a
 * waiting job is read once as queued or scheduled, not both. What changes in the source during
 * the copy is caught by the count check (./copy-check.ts), which is why producers, consumers
 * and the source's ticks should be stopped first.
 */
import type {
  ConfigEntry,
  ConfigKind,
  Driver,
  JobRecord,
  JobState,
  ListResult,
  QueueInfo,
  RestoreJob,
} from '../../drivers/types.js';
import { newLeaseToken } from '../../runtime/ids.js';
import { CliError } from './args.js';

/** The configuration a copy moves, in the order it writes it (settings before schedules). */
export const CONFIG_KINDS: readonly ConfigKind[] = ['queue', 'push', 'schedule'];

/** What a copy moves, and in pages of how many jobs. */
export interface CopyOptions {
  includeActive: boolean;
  includeFinished: boolean;
  /** Jobs per round trip (1 to 1,000). */
  batch: number;
}

/** One namespace's queues (with counts and paused flags) and configuration, as read. */
export interface NamespacePlan {
  ns: string;
  queues: QueueInfo[];
  configs: Record<ConfigKind, ConfigEntry[]>;
}

/** What a copy reads before it writes anything. */
export interface Plan {
  namespaces: NamespacePlan[];
  /** Jobs that will be read (the copied states of every queue), for the progress bar. */
  total: number;
  /** The instant waiting jobs are split into queued and scheduled by. */
  listedAt: number;
}

/** What happened to the jobs of one queue and state. */
export interface Moved {
  ns: string;
  queue: string;
  state: JobState;
  read: number;
  restored: number;
  skipped: number;
  conflicts: string[];
}

/** Configuration entries written or already equal, and paused flags changed. */
export interface ConfigMoved {
  written: number;
  unchanged: number;
  paused: number;
}

/** The states a copy moves: waiting and dead, plus leased and finished ones when asked. */
export function copiedStates(o: Pick<CopyOptions, 'includeActive' | 'includeFinished'>) {
  const states: JobState[] = ['queued', 'scheduled', 'dead'];
  if (o.includeActive) states.push('active');
  if (o.includeFinished) states.push('completed', 'cancelled');
  return states;
}

/** Reads what would move; refuses (exit 1) when leased jobs exist and may not be copied. */
export async function readPlan(
  src: Driver,
  namespaces: string[],
  o: CopyOptions,
  listedAt: number,
): Promise<Plan> {
  const states = copiedStates(o);
  const plan: Plan = { namespaces: [], total: 0, listedAt };
  const leased: string[] = [];
  for (const ns of namespaces) {
    const queues = await src.queues({ ns, now: listedAt });
    const configs = {} as Record<ConfigKind, ConfigEntry[]>;
    for (const kind of CONFIG_KINDS) configs[kind] = await src.configs({ kind, ns });
    for (const q of queues) {
      for (const s of states) plan.total += q.counts[s];
      if (q.counts.active && !o.includeActive) leased.push(`${ns}/${q.name} ${q.counts.active}`);
    }
    plan.namespaces.push({ ns, queues, configs });
  }
  if (leased.length) {
    throw new CliError(
      `jobs are leased (${leased.slice(0, 5).join(', ')}${leased.length > 5 ? ', ...' : ''}): stop the consumers and let the leases finish or expire (edgeq tick puts expired ones back), or pass --include-active to copy them as queued with their attempt count`,
      1,
    );
  }
  return plan;
}

/** Writes every configuration entry that differs (value or cursor) and the paused flags. */
export async function copyConfig(dst: Driver, plan: Plan): Promise<ConfigMoved> {
  const out: ConfigMoved = { written: 0, unchanged: 0, paused: 0 };
  for (const { ns, queues, configs } of plan.namespaces) {
    for (const kind of CONFIG_KINDS) {
      const have = new Map((await dst.configs({ kind, ns })).map((e) => [e.name, e]));
      for (const e of configs[kind]) {
        const prior = have.get(e.name);
        const cursorBehind = e.cursor !== undefined && (prior?.cursor ?? -1) < e.cursor;
        if (prior?.value === e.value && !cursorBehind) {
          out.unchanged++;
          continue;
        }
        // The source's updatedAt, not now: a schedule with no cursor counts its slots from it.
        await dst.putConfig({ ns, now: e.updatedAt, kind, name: e.name, value: e.value });
        if (e.cursor !== undefined) {
          await dst.advanceCursor({ ns, kind, name: e.name, cursor: e.cursor });
        }
        out.written++;
      }
    }
    const paused = new Map((await dst.queues({ ns, now: plan.listedAt })).map((q) => [q.name, q]));
    for (const q of queues) {
      if ((paused.get(q.name)?.paused ?? false) === q.paused) continue;
      await dst.setPaused({ ns, now: plan.listedAt, queue: q.name, paused: q.paused });
      out.paused++;
    }
  }
  return out;
}

/** A listed job as restore takes it; a leased one (--include-active) waits again, lease gone. */
function restorable(r: JobRecord): RestoreJob {
  if (r.state !== 'active') return r as RestoreJob;
  const { leaseExpiresAt: _, ...rest } = r;
  return { ...rest, state: 'queued' };
}

/** Moves the jobs, page by page; `progress` is told after each page written. */
export async function copyJobs(
  src: Driver,
  dst: Driver,
  plan: Plan,
  o: CopyOptions,
  progress: (read: number) => void,
): Promise<Moved[]> {
  const moved: Moved[] = [];
  for (const { ns, queues } of plan.namespaces) {
    for (const { name: queue, counts } of queues) {
      for (const state of copiedStates(o)) {
        if (!counts[state]) continue;
        const m: Moved = { ns, queue, state, read: 0, restored: 0, skipped: 0, conflicts: [] };
        moved.push(m);
        const page = (cursor?: string) =>
          src.list({
            ns,
            now: plan.listedAt,
            queue,
            state,
            limit: o.batch,
            ...(cursor ? { cursor } : {}),
          });
        let next: ReturnType<typeof page> | undefined = page();
        while (next) {
          const { jobs, cursor }: ListResult = await next;
          // Read ahead: the next page comes while this one is written.
          next = cursor ? page(cursor) : undefined;
          // Its failure is seen when awaited; until then it must not count as unhandled.
          next?.catch(() => {});
          if (!jobs.length) continue;
          const r = await dst.restore({
            ns,
            now: Date.now(),
            opId: newLeaseToken(),
            jobs: jobs.map(restorable),
          });
          m.read += jobs.length;
          m.restored += r.restored;
          m.skipped += r.skipped;
          m.conflicts.push(...r.conflicts);
          progress(jobs.length);
        }
      }
    }
  }
  return moved;
}
