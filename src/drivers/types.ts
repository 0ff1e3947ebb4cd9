/**
 * The driver contract: the queue operations every storage backend implements.
 *
 * Rules every driver follows (the contract suite in test/contract checks them):
 * - One params object per method. `now` (epoch ms) is always passed in: no driver reads a clock,
 *   so tests drive time and Workers (whose `Date.now()` only advances after I/O) stay exact.
 * - Every call is bound to a namespace `ns`; one namespace never sees another's jobs.
 * - Ids and lease tokens are minted by the runtime and passed in, so a call whose response was
 *   lost can be re-sent without creating a second job.
 * - Every state change is one storage round trip (one statement, batch or script), and every
 *   change to an active job is fenced by its lease token: a stale token never changes a job.
 * - Payloads and results are JSON text; the driver stores and returns them untouched.
 */

/** Public job states. `scheduled` is a waiting job whose run time is still in the future. */
export type JobState = 'scheduled' | 'queued' | 'active' | 'completed' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = [
  'scheduled',
  'queued',
  'active',
  'completed',
  'dead',
  'cancelled',
];

/**
 * A job to store (id minted by the runtime). `maxAttempts`, `leaseMs` and `backoff` are the job's
 * own; each one absent is taken, inside the same round trip, from the queue's stored settings
 * (config kind `queue`, a `QueueSettings` JSON document) and failing that from the call's
 * `defaults`. The resolved values are stored on the job, so later setting changes do not move it.
 */
export interface NewJob {
  id: string;
  queue: string;
  /** JSON text. */
  payload: string;
  /** Epoch ms before which the job is not claimed. */
  runAt: number;
  /** Higher runs first (within the job's group, see `group`). */
  priority: number;
  maxAttempts?: number;
  /** Default lease length for claims of this job that do not name one. */
  leaseMs?: number;
  /** Retry delays after a failure; the nack's `backoff` applies when neither job nor queue has one. */
  backoff?: BackoffPolicy;
  /** Idempotency key: while a job with the same key exists in the queue, enqueue returns it. */
  key?: string;
  /**
   * Flow-control key (a tenant, a user). Claims rotate between the keys of a queue, and the
   * queue's `groupConcurrency` / `groupRate` limit each key separately.
   */
  group?: string;
  /** Deadline, epoch ms: a job not leased by then is never leased and ends `dead` (`expired`). */
  expiresAt?: number;
  /**
   * Debounce key: while a waiting job never leased yet with this key exists in the queue, enqueue
   * replaces that job's payload, priority, run time and deadline instead of adding a job, and
   * answers its id with `created: false`. `runAt` already carries the debounce delay.
   */
  debounceKey?: string;
}

/** Fallbacks for `NewJob` fields that neither the job nor its queue's settings set. */
export interface JobDefaults {
  maxAttempts: number;
  leaseMs: number;
}

export interface EnqueueResult {
  id: string;
  /**
   * False when an existing job with the same idempotency key was returned instead, or a waiting
   * job with the same debounce key was replaced.
   */
  created: boolean;
  /** True when a waiting job with the same debounce key was replaced by this enqueue. */
  debounced?: boolean;
}

export interface AckItem {
  id: string;
  leaseToken: string;
  /** JSON text kept as the job's result. */
  result?: string;
}

/** Why a fenced operation changed nothing. */
export type FenceError = 'lease_lost' | 'not_found';

export type AckOutcome = { id: string; ok: true } | { id: string; ok: false; error: FenceError };

export interface ClaimedJob {
  id: string;
  queue: string;
  payload: string;
  priority: number;
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
  leaseExpiresAt: number;
  createdAt: number;
  group?: string;
}

/** A stored job as reported by get and list. The lease token is never part of it. */
export interface JobRecord {
  id: string;
  queue: string;
  state: JobState;
  payload: string;
  priority: number;
  attempt: number;
  maxAttempts: number;
  runAt: number;
  createdAt: number;
  updatedAt: number;
  /** The job's default lease length (resolved at enqueue: its own, its queue's, the default). */
  leaseMs: number;
  /** The job's own retry policy, when it has one (else the nack's or reclaim's applies). */
  backoff?: BackoffPolicy;
  leaseExpiresAt?: number;
  finishedAt?: number;
  key?: string;
  group?: string;
  expiresAt?: number;
  debounceKey?: string;
  result?: string;
  /** The last failure's message; exactly `expired` when the job died at its deadline. */
  lastError?: string;
}

export type QueueCounts = Record<JobState, number>;

export interface QueueInfo {
  name: string;
  paused: boolean;
  counts: QueueCounts;
}

/**
 * Retry delay policy, stored on a job as JSON and computed in storage from the job's own attempt
 * count (a = attempts used, >= 1):
 * - exponential `{ baseMs, maxMs, jitter }`: min(maxMs, baseMs * 2^(a-1)) * (1 - jitter * draw);
 *   a fixed delay is baseMs = maxMs. `jitter` in [0, 1]; 0.5 is "equal jitter".
 * - a list `{ delaysMs }`: delaysMs[min(a, length) - 1] (the last one repeats), no jitter.
 * `draw` in [0, 1) comes with the call (drawn by the runtime), so retries of jobs that failed
 * together spread out while storage never reads a random source.
 */
export type BackoffPolicy =
  | { baseMs: number; maxMs: number; jitter: number }
  | { delaysMs: number[] };

/**
 * A smooth rate limit (GCRA): at most `limit` claims in any window of `periodMs`, and at most
 * `burst` (1 <= burst <= limit) taken at once after a quiet spell. Claims are spaced on average
 * T = periodMs / (limit - burst + 1) apart; the state is one "theoretical arrival time" (TAT):
 * a claim at `now` may take k = floor(burst - (max(TAT, now) - now) / T) jobs (k >= 0), and
 * taking j of them sets TAT = max(TAT, now) + j * T. Any half-open window of `periodMs` then holds
 * at most `limit` claims, with no burst at period edges.
 */
export interface RateLimit {
  limit: number;
  periodMs: number;
  burst: number;
}

/**
 * Flow limits enforced inside the claim, in the same round trip, exactly under concurrent claims.
 * - `concurrency`: live leases of the queue (active jobs whose lease has not expired) never exceed it.
 * - `rate`: jobs leased from the queue, per `RateLimit`.
 * - `groupConcurrency`, `groupRate`: the same per group key; jobs without a group are not limited
 *   by them (they still count against the queue-wide limits).
 * Fairness (always, limits or not): a claim rotates between the group keys that have due jobs,
 * least recently served first (jobs without a group are one more key, ''), taking one job per key
 * per round; within a key, priority then run time then FIFO. Ties between never-served keys go
 * by key order. A claim that serves only jobs without a group records nothing, so claims on a
 * queue with no grouped jobs keep no rotation state.
 */
export interface FlowLimits {
  concurrency?: number;
  rate?: RateLimit;
  groupConcurrency?: number;
  groupRate?: RateLimit;
}

/** A queue's stored settings: the JSON value of its config entry of kind `queue`. */
export interface QueueSettings extends FlowLimits {
  leaseMs?: number;
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** How long finished jobs of this queue are kept (the tick's prune). */
  retention?: { completedMs?: number; deadMs?: number };
}

interface Scoped {
  /** Namespace (tenant) the call is bound to. */
  ns: string;
  /** Current time, epoch ms. */
  now: number;
}

/**
 * Identity of one logical call, minted by the runtime. A transport that re-sends a call whose
 * response was lost (the Upstash client retries 5 times) delivers the same `opId` again; a driver
 * that declares `replaySafe` answers such a re-run exactly as the first run and changes nothing.
 * A different call (another `opId`) is never mistaken for a re-run.
 */
interface Replayable {
  opId?: string;
}

export interface EnqueueParams extends Scoped, Replayable {
  jobs: NewJob[];
  defaults: JobDefaults;
}

export interface ClaimParams extends Scoped {
  queue: string;
  /** At most this many jobs (1..100). */
  limit: number;
  /** Lease length for these jobs; each job's own `leaseMs` when absent. */
  leaseMs?: number;
  /**
   * Minted by the runtime; becomes the lease token of every job this claim leases. It is also the
   * claim's identity: a re-run with the same token returns the same jobs (replay-safe drivers).
   */
  leaseToken: string;
  /** Acks of the previous batch, applied before claiming in the same round trip. */
  acks?: AckItem[];
  /**
   * Limits defined in code (`createRuntime({ queues })`); when absent the claim reads the queue's
   * stored settings (config kind `queue`) in the same round trip. `{}` means no limits.
   */
  limits?: FlowLimits;
}

export interface ClaimResult {
  /** Highest priority first, then earliest run time, then FIFO. */
  jobs: ClaimedJob[];
  acks: AckOutcome[];
}

export interface ExtendParams extends Scoped {
  id: string;
  leaseToken: string;
  leaseMs: number;
}

export type ExtendResult = { ok: true; leaseExpiresAt: number } | { ok: false; error: FenceError };

export interface AckParams extends Scoped, Replayable {
  acks: AckItem[];
  /**
   * Follow-up jobs stored atomically with the ack: they exist if and only if the ack succeeded.
   * Only allowed with exactly one ack.
   */
  enqueue?: NewJob[];
  /** Required with `enqueue`. */
  defaults?: JobDefaults;
}

export interface AckResult {
  acks: AckOutcome[];
  /** Results for `enqueue`, empty when the ack failed. */
  enqueued: EnqueueResult[];
}

export interface NackParams extends Scoped, Replayable {
  id: string;
  leaseToken: string;
  error?: string;
  /** Retry at this time instead of the backoff delay. */
  retryAt?: number;
  /** Send straight to the dead-letter state. */
  dead?: boolean;
  /** Used when the job stores no backoff of its own. */
  backoff: BackoffPolicy;
  /** Jitter draw in [0, 1). */
  draw: number;
}

export type NackResult =
  | { ok: true; state: 'queued'; runAt: number }
  | { ok: true; state: 'dead' }
  | { ok: false; error: FenceError };

export interface ReclaimParams {
  now: number;
  /**
   * Bound on jobs touched by this call (expired leases and expired deadlines each), so one tick
   * stays inside its time budget.
   */
  limit: number;
  /** Used when the job stores no backoff of its own. */
  backoff: BackoffPolicy;
  /** Jitter draw in [0, 1). */
  draw: number;
  /** Restrict to one namespace; all namespaces when absent (the scheduled sweep). */
  ns?: string;
}

export interface ReclaimResult {
  /** Expired leases put back to wait for a retry. */
  requeued: number;
  /** Expired leases whose job had no attempts left. */
  dead: number;
  /** Waiting jobs past their deadline (`expiresAt`), now dead with lastError `expired`. */
  expired: number;
}

export interface GetParams extends Scoped {
  id: string;
}

export interface ListParams extends Scoped {
  queue: string;
  state: JobState;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface ListResult {
  jobs: JobRecord[];
  /** Present when more jobs may follow. */
  cursor?: string;
}

export interface QueuesParams extends Scoped {
  /** Only this queue; every known queue of the namespace when absent. */
  queue?: string;
}

export interface PauseParams extends Scoped {
  queue: string;
  paused: boolean;
}

export interface ReplayParams extends Scoped {
  queue: string;
  /** Only these dead jobs; otherwise the oldest `limit` dead jobs of the queue. */
  ids?: string[];
  limit: number;
}

export interface CancelParams extends Scoped {
  id: string;
}

export type CancelResult =
  | { ok: true }
  | { ok: false; error: 'not_found' }
  | { ok: false; error: 'conflict'; state: JobState };

export interface PruneParams {
  now: number;
  /** Completed and cancelled jobs finished before this time are deleted. */
  finishedBefore: number;
  /** Dead jobs that died before this time are deleted. */
  deadBefore: number;
  limit: number;
  ns?: string;
  /** Only this queue (a queue with its own retention). */
  queue?: string;
  /** Leave these queues alone (they are pruned by their own calls). */
  exceptQueues?: string[];
}

/** Kinds of named configuration a driver stores per namespace. */
export type ConfigKind = 'schedule' | 'queue' | 'push';

export interface ConfigEntry {
  ns: string;
  name: string;
  /** JSON text, stored untouched. */
  value: string;
  /** Monotonic progress marker (a schedule's last enqueued slot horizon); absent until set. */
  cursor?: number;
  updatedAt: number;
}

export interface PutConfigParams extends Scoped {
  kind: ConfigKind;
  name: string;
  value: string;
}

export interface ConfigParams {
  kind: ConfigKind;
  /** One namespace; every namespace when absent (the scheduled sweep). */
  ns?: string;
}

export interface DeleteConfigParams {
  ns: string;
  kind: ConfigKind;
  name: string;
}

export interface AdvanceCursorParams {
  ns: string;
  kind: ConfigKind;
  name: string;
  /** Stored only if greater than the current cursor, so racing ticks never move it back. */
  cursor: number;
}

/** States `restore` writes: waiting (`scheduled` is stored as waiting) and finished. */
export type RestorableState = Exclude<JobState, 'active'>;

/**
 * A job to restore: a record as get and list report it (from this store or another), written
 * with its id, state, attempt count, times, keys and retry settings unchanged.
 */
export type RestoreJob = JobRecord & { state: RestorableState };

/** `restore`'s call: the jobs of one namespace; `opId` makes a re-run recognisable. */
export interface RestoreParams extends Scoped, Replayable {
  /** At most 1,000 per call (one round trip). Active jobs are refused: see `restore`. */
  jobs: RestoreJob[];
}

/** What `restore` did with each job of the call. */
export interface RestoreResult {
  /** Jobs written (a replay-safe driver's re-run counts its own writes again). */
  restored: number;
  /** Jobs whose id the namespace already holds, left untouched. */
  skipped: number;
  /**
   * Ids not written because another job of the namespace holds their idempotency key (or, for
   * a job waiting for its first attempt, a debounce merge target the store cannot share).
   */
  conflicts: string[];
}

/** What a driver can do, so callers and the contract suite can tell (and skip loudly by name). */
export interface Capabilities {
  /** Jobs survive a process restart. */
  durable: boolean;
  /** Several runtime instances (isolates, processes) can share one store. */
  shared: boolean;
  /**
   * A re-sent call (same `opId`, or same claim `leaseToken`) gets the first run's answer and
   * changes nothing. Needed where the transport retries calls whose response was lost.
   */
  replaySafe: boolean;
}

export type CapabilityName = keyof Capabilities;

/** A storage backend. Implementations: memory, libSQL, Upstash, Postgres. */
export interface Driver {
  readonly name: string;
  readonly capabilities: Capabilities;
  enqueue(p: EnqueueParams): Promise<EnqueueResult[]>;
  claim(p: ClaimParams): Promise<ClaimResult>;
  extend(p: ExtendParams): Promise<ExtendResult>;
  ack(p: AckParams): Promise<AckResult>;
  nack(p: NackParams): Promise<NackResult>;
  reclaim(p: ReclaimParams): Promise<ReclaimResult>;
  get(p: GetParams): Promise<JobRecord | null>;
  list(p: ListParams): Promise<ListResult>;
  queues(p: QueuesParams): Promise<QueueInfo[]>;
  setPaused(p: PauseParams): Promise<void>;
  replayDead(p: ReplayParams): Promise<{ replayed: number }>;
  cancel(p: CancelParams): Promise<CancelResult>;
  prune(p: PruneParams): Promise<{ pruned: number }>;
  /** Creates or replaces a named configuration entry (a schedule, a queue's settings). */
  putConfig(p: PutConfigParams): Promise<void>;
  /** True when an entry was deleted. */
  deleteConfig(p: DeleteConfigParams): Promise<boolean>;
  /** Entries of one kind, by namespace then name. */
  configs(p: ConfigParams): Promise<ConfigEntry[]>;
  /** Raises an entry's cursor (never lowers it); a missing entry is left alone. */
  advanceCursor(p: AdvanceCursorParams): Promise<void>;
  /**
   * Inserts jobs as they were stored elsewhere (`edgeq copy`), in one round trip: waiting jobs
   * claimable at their run time, finished ones listable, prunable and (dead) replayable, every
   * index the driver keeps (idempotency keys, group rotation, flow counters, deadlines) as if
   * they had got there through enqueue and claim. An id the namespace holds is skipped; a job
   * whose key another job holds is not written (`conflicts`). A waiting job that never ran
   * becomes its debounce key's merge target unless the namespace has one (at most one per key
   * per call: the first). Throws on an `active` job: a lease cannot move between stores.
   *
   * @example
   * const page = await source.list({ ns, now, queue: 'emails', state: 'dead', limit: 500 });
   * await target.restore({ ns, now, jobs: page.jobs as RestoreJob[] });
   */
  restore(p: RestoreParams): Promise<RestoreResult>;
  /** Namespaces holding jobs, queues or configuration, sorted (for `edgeq copy --all-namespaces`). */
  namespaces?(): Promise<string[]>;
  close(): Promise<void>;
}

/** Whole-ms retry delay for a job that has just used `attempt` attempts (see BackoffPolicy). */
export function backoffDelay(b: BackoffPolicy, attempt: number, draw: number): number {
  const a = Math.max(attempt, 1);
  if ('delaysMs' in b) return b.delaysMs[Math.min(a, b.delaysMs.length) - 1] ?? 0;
  const exp = Math.min(a - 1, 30);
  return Math.floor(Math.min(b.maxMs, b.baseMs * 2 ** exp) * (1 - b.jitter * draw));
}

/**
 * How many jobs a rate limit lets a claim at `now` take, given its state `tat` (0 = fresh).
 * Computed from the debt `max(tat, now) - now` rather than from epoch sums: epoch ms near 1.8e12
 * keep only ~0.0002 ms of precision, enough to lose a whole slot in `now + burst * t`. On an exact
 * slot boundary float error may round either way; rounding down only delays a claim by a tick.
 */
export function rateAllowance(r: RateLimit, tat: number, now: number): number {
  const t = r.periodMs / (r.limit - r.burst + 1);
  return Math.max(0, Math.floor(r.burst - (Math.max(tat, now) - now) / t));
}

/** The rate state after `taken` jobs were leased at `now`. */
export function rateAdvance(r: RateLimit, tat: number, now: number, taken: number): number {
  return Math.max(tat, now) + (taken * r.periodMs) / (r.limit - r.burst + 1);
}

export function emptyCounts(): QueueCounts {
  return { scheduled: 0, queued: 0, active: 0, completed: 0, dead: 0, cancelled: 0 };
}
