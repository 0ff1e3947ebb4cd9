/**
 * The stateless runtime: owns time, ids, tokens and defaults, and turns API-level calls into
 * driver calls. It keeps no state between calls, so any number of instances (isolates,
 * processes) can serve one store.
 */
import { normalizeSchedule, type Schedule, type ScheduleInput } from '../cron/schedules.js';
import { runTick, type TickResult } from '../cron/tick.js';
import type {
  AckOutcome,
  BackoffPolicy,
  Driver,
  EnqueueResult,
  JobDefaults,
  JobState,
  NewJob,
  QueueInfo,
  QueueSettings,
} from '../drivers/types.js';
import { driverUnavailable, EdgeqError } from '../errors.js';
import { createLogger, type Logger } from '../observe/log.js';
import { RuntimeMetrics, secondsSince } from '../observe/metrics.js';
import type { UrlPolicy } from '../push/ssrf.js';
import {
  BOUNDS,
  DEFAULT_LIMITS,
  DEFAULT_NAMESPACE,
  DEFAULT_TICK,
  type Limits,
  QUEUE_NAME,
  type TickOptions,
} from './config.js';
import {
  asOptions,
  type DrainResult,
  drain as drainQueue,
  type HandlerOptions,
  type HandlerSpec,
} from './handlers.js';
import { newJobId, newLeaseToken } from './ids.js';
import {
  decodeSettings,
  flowLimits,
  normalizeSettings,
  type QueueSettingsInput,
  settingsView,
} from './settings.js';
import { type ClaimedView, claimedView, iso, type JobView, jobView } from './views.js';

/** A job as a caller describes it; unset fields take the runtime's defaults. */
export interface JobInput {
  /** Any JSON value (default `null`). */
  payload?: unknown;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Run no earlier than this time (epoch ms or ISO 8601). Wins over `delayMs`. */
  runAt?: number | string;
  /** Higher is claimed first (default 0). */
  priority?: number;
  maxAttempts?: number;
  /**
   * Idempotency key: while a job with this key exists in the queue, its id is returned. With
   * `debounceMs` it is a debounce key instead.
   */
  key?: string;
  /** Default lease for claims of this job. */
  leaseMs?: number;
  /** Flow-control key (tenant, user): fair rotation and the queue's per-group limits. */
  group?: string;
  /** Deadline (epoch ms or ISO 8601): not leased after it; it ends dead (`expired`). */
  expiresAt?: number | string;
  /** Deadline as ms from now. */
  ttlMs?: number;
  /**
   * Debounce by `key`: run this long after the last enqueue of the key, with the last payload.
   * A waiting job with the same key is replaced (its id is returned) instead of adding a job.
   */
  debounceMs?: number;
}

export interface QueueSettingsView {
  queue: string;
  /** Where the settings come from: code (read-only over the API), the store, or none. */
  source: 'code' | 'stored' | 'none';
  settings: QueueSettingsInput;
}

export interface AckInput {
  id: string;
  leaseToken: string;
  result?: unknown;
}

export interface RuntimeOptions {
  driver: Driver;
  /**
   * In-process handlers by queue name, run by the tick, by `POST /v1/queues/:queue/drain`, and
   * right after an enqueue for queues that opt in (`immediate`).
   */
  handlers?: Record<string, HandlerSpec>;
  /**
   * Which push endpoints are allowed (default: https to public hostnames only). `allowPrivate`
   * and `allowHttp` are for local development.
   */
  pushPolicy?: UrlPolicy;
  /** Cron schedules defined in code (stored in the default namespace on the first tick). */
  schedules?: Record<string, ScheduleInput>;
  /**
   * Queue settings defined in code: flow limits and job defaults, in every namespace. They win
   * over settings stored through `PUT /v1/queues/:queue`, which refuses these queues.
   */
  queues?: Record<string, QueueSettingsInput>;
  /** Clock in epoch ms; tests inject one. */
  now?: () => number;
  limits?: Partial<Limits>;
  tick?: Partial<TickOptions>;
  /**
   * The structured logger (src/observe/log.ts) for the runtime's background work and, through
   * `createApp`, its requests. Default: JSON lines at level `warn` to the console.
   */
  log?: Logger;
}

/** Creates a runtime over a driver. @example createRuntime({ driver: memoryDriver() }) */
export function createRuntime(opts: RuntimeOptions): Runtime {
  return new Runtime(opts);
}

export class Runtime {
  readonly driver: Driver;
  readonly limits: Limits;
  readonly tickOptions: TickOptions;
  readonly now: () => number;
  readonly handlers: ReadonlyMap<string, HandlerOptions>;
  readonly schedules: ReadonlyMap<string, Schedule>;
  readonly pushPolicy: UrlPolicy;
  /** Queue settings from code, normalized. */
  readonly queueSettings: ReadonlyMap<string, QueueSettings>;
  /** Set once the code-defined schedules have been stored by this instance. */
  schedulesSynced = false;
  // Observability (src/observe): counters and timings of this instance, and its logger.
  readonly metrics = new RuntimeMetrics();
  readonly log: Logger;
  /**
   * Whether `call` logs a storage failure itself. `createApp` turns it off: its request
   * middleware logs a request's failure with the request id, and a failed tick is logged where
   * it is caught; failures background work retries past (a handler's settle, a push's ack) are
   * counted in `edgeq_storage_errors_total`. A library caller without an app gets the line here.
   */
  logStorageErrors = true;

  constructor(opts: RuntimeOptions) {
    this.pushPolicy = opts.pushPolicy ?? {};
    this.schedules = new Map(
      Object.entries(opts.schedules ?? {}).map(([name, def]) => [
        name,
        normalizeSchedule(name, def),
      ]),
    );
    this.handlers = new Map(
      Object.entries(opts.handlers ?? {}).map(([queue, h]) => {
        if (!QUEUE_NAME.test(queue))
          throw new Error(`[edgeq] handler queue name "${queue}" is invalid`);
        return [queue, asOptions(h)];
      }),
    );
    this.queueSettings = new Map(
      Object.entries(opts.queues ?? {}).map(([queue, input]) => {
        if (!QUEUE_NAME.test(queue)) throw new Error(`[edgeq] queue name "${queue}" is invalid`);
        try {
          return [queue, normalizeSettings(input)];
        } catch (err) {
          throw new Error(`[edgeq] settings of queue "${queue}": ${(err as Error).message}`);
        }
      }),
    );
    this.driver = opts.driver;
    this.now = opts.now ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.tickOptions = { ...DEFAULT_TICK, ...opts.tick };
    this.log = opts.log ?? createLogger({ level: 'warn' });
  }

  /** Storage calls made so far by this runtime (the tick's round-trip budget reads it). */
  calls = 0;

  /** Runs one driver call, turning storage failures into `driver_unavailable`. */
  async call<T>(op: () => Promise<T>): Promise<T> {
    this.calls++;
    try {
      return await op();
    } catch (err) {
      if (err instanceof EdgeqError) throw err;
      this.metrics.storageError(this.driver.name); // observe
      // The cause goes to the log for the operator; the response only says the store failed.
      if (this.logStorageErrors) {
        this.log.error('storage call failed', { driver: this.driver.name, cause: describe(err) });
      }
      throw driverUnavailable(this.driver.name, err);
    }
  }

  /**
   * The default retry policy (equal jitter) for jobs that carry none, with a fresh jitter draw
   * per call.
   */
  retry(): { backoff: BackoffPolicy; draw: number } {
    return {
      backoff: { baseMs: this.limits.backoffBaseMs, maxMs: this.limits.backoffMaxMs, jitter: 0.5 },
      draw: Math.random(),
    };
  }

  /** Fallbacks for jobs whose queue sets neither maxAttempts nor leaseMs. */
  get jobDefaults(): JobDefaults {
    return { maxAttempts: this.limits.maxAttempts, leaseMs: this.limits.leaseMs };
  }

  /** Resolves a job input against the defaults. */
  newJob(queue: string, input: JobInput, now: number): NewJob {
    let runAt = now;
    if (input.runAt !== undefined) {
      runAt = typeof input.runAt === 'number' ? input.runAt : Date.parse(input.runAt);
      if (!Number.isFinite(runAt)) {
        throw new EdgeqError('invalid_request', 'runAt is not a valid time', { field: 'runAt' });
      }
    } else if (input.delayMs !== undefined) {
      runAt = now + input.delayMs;
    }
    if (runAt > now + BOUNDS.maxDelayMs) {
      throw new EdgeqError('invalid_request', 'runAt is more than a year ahead', {
        field: 'runAt',
      });
    }
    const job: NewJob = {
      id: newJobId(now),
      queue,
      payload: JSON.stringify(input.payload ?? null),
      runAt,
      priority: input.priority ?? 0,
    };
    // A queue configured in code fixes its defaults here, so stored settings never apply to it;
    // otherwise absent fields are resolved by the driver from the stored settings.
    const code = this.queueSettings.get(queue);
    const fixed: Partial<JobDefaults> = code ? { ...this.jobDefaults, ...code } : {};
    const maxAttempts = input.maxAttempts ?? fixed.maxAttempts;
    const leaseMs = input.leaseMs ?? fixed.leaseMs;
    if (maxAttempts !== undefined) job.maxAttempts = maxAttempts;
    if (leaseMs !== undefined) job.leaseMs = leaseMs;
    if (code?.backoff) job.backoff = code.backoff;
    if (input.group !== undefined) job.group = input.group;
    Object.assign(job, deadline(input, now, runAt));
    Object.assign(job, debounce(input, now, job));
    return job;
  }

  async enqueue(
    queue: string,
    inputs: JobInput[],
    ns = DEFAULT_NAMESPACE,
  ): Promise<EnqueueResult[]> {
    const now = this.now();
    const jobs = inputs.map((input) => this.newJob(queue, input, now));
    const opId = newLeaseToken();
    const results = await this.call(() =>
      this.driver.enqueue({ ns, now, jobs, opId, defaults: this.jobDefaults }),
    );
    this.metrics.enqueued(ns, queue, results); // observe
    return results;
  }

  async claim(
    queue: string,
    opts: { limit?: number; leaseMs?: number; acks?: AckInput[] } = {},
    ns = DEFAULT_NAMESPACE,
  ): Promise<{ jobs: ClaimedView[]; acks: AckOutcome[] }> {
    const now = this.now();
    const code = this.queueSettings.get(queue);
    const started = performance.now(); // observe: claim latency
    const res = await this.call(() =>
      this.driver.claim({
        ns,
        now,
        queue,
        limit: opts.limit ?? 1,
        leaseToken: newLeaseToken(),
        ...(code ? { limits: flowLimits(code) } : {}),
        ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
        ...(opts.acks ? { acks: opts.acks.map(ackItem) } : {}),
      }),
    );
    this.metrics.claimed(ns, queue, res.jobs.length, secondsSince(started)); // observe
    this.metrics.acked(ns, res.acks); // observe
    return { jobs: res.jobs.map(claimedView), acks: res.acks };
  }

  /** Completes one job; `enqueue` jobs are stored if and only if the ack succeeds. */
  async ack(
    id: string,
    input: { leaseToken: string; result?: unknown; enqueue?: (JobInput & { queue: string })[] },
    ns = DEFAULT_NAMESPACE,
  ): Promise<{ id: string; state: 'completed'; enqueued: EnqueueResult[] }> {
    const now = this.now();
    const follow = (input.enqueue ?? []).map((j) => this.newJob(j.queue, j, now));
    const res = await this.call(() =>
      this.driver.ack({
        ns,
        now,
        opId: newLeaseToken(),
        acks: [ackItem({ id, ...input })],
        ...(follow.length ? { enqueue: follow, defaults: this.jobDefaults } : {}),
      }),
    );
    // observe: the ack's outcome, and its follow-ups as enqueues to their own queues.
    this.metrics.acked(ns, res.acks);
    for (const [i, r] of res.enqueued.entries()) {
      this.metrics.enqueued(ns, follow[i]?.queue ?? '', [r]);
    }
    const out = res.acks[0];
    if (!out?.ok) throw fenceError(id, out?.ok === false ? out.error : 'lease_lost');
    return { id, state: 'completed', enqueued: res.enqueued };
  }

  async ackMany(acks: AckInput[], ns = DEFAULT_NAMESPACE): Promise<AckOutcome[]> {
    const now = this.now();
    const opId = newLeaseToken();
    const res = await this.call(() => this.driver.ack({ ns, now, opId, acks: acks.map(ackItem) }));
    this.metrics.acked(ns, res.acks); // observe
    return res.acks;
  }

  async nack(
    id: string,
    input: { leaseToken: string; error?: string; retryInMs?: number; dead?: boolean },
    ns = DEFAULT_NAMESPACE,
  ): Promise<{ id: string; state: 'queued' | 'dead'; runAt?: string }> {
    const now = this.now();
    const res = await this.call(() =>
      this.driver.nack({
        ns,
        now,
        opId: newLeaseToken(),
        id,
        leaseToken: input.leaseToken,
        ...this.retry(),
        ...(input.error === undefined ? {} : { error: input.error }),
        ...(input.retryInMs === undefined ? {} : { retryAt: now + input.retryInMs }),
        ...(input.dead ? { dead: true } : {}),
      }),
    );
    this.metrics.nacked(ns, res); // observe
    if (!res.ok) throw fenceError(id, res.error);
    return res.state === 'queued'
      ? { id, state: 'queued', runAt: iso(res.runAt) }
      : { id, state: 'dead' };
  }

  async extend(
    id: string,
    input: { leaseToken: string; leaseMs: number },
    ns = DEFAULT_NAMESPACE,
  ): Promise<{ id: string; leaseExpiresAt: string }> {
    const now = this.now();
    const res = await this.call(() => this.driver.extend({ ns, now, id, ...input }));
    if (!res.ok) throw fenceError(id, res.error);
    return { id, leaseExpiresAt: iso(res.leaseExpiresAt) };
  }

  async get(id: string, ns = DEFAULT_NAMESPACE): Promise<JobView> {
    const now = this.now();
    const rec = await this.call(() => this.driver.get({ ns, now, id }));
    if (!rec) throw new EdgeqError('not_found', `job ${id} does not exist`);
    return jobView(rec);
  }

  async cancel(id: string, ns = DEFAULT_NAMESPACE): Promise<{ id: string; state: 'cancelled' }> {
    const now = this.now();
    const res = await this.call(() => this.driver.cancel({ ns, now, id }));
    if (res.ok) return { id, state: 'cancelled' };
    if (res.error === 'not_found') throw new EdgeqError('not_found', `job ${id} does not exist`);
    throw new EdgeqError('conflict', `job ${id} is ${res.state} and cannot be cancelled`);
  }

  async queues(ns = DEFAULT_NAMESPACE): Promise<QueueInfo[]> {
    const now = this.now();
    return this.call(() => this.driver.queues({ ns, now }));
  }

  /** A queue's settings and where they come from. */
  async settings(queue: string, ns = DEFAULT_NAMESPACE): Promise<QueueSettingsView> {
    const code = this.queueSettings.get(queue);
    if (code) return { queue, source: 'code', settings: settingsView(code) };
    const entry = (await this.call(() => this.driver.configs({ kind: 'queue', ns }))).find(
      (e) => e.name === queue,
    );
    return entry
      ? { queue, source: 'stored', settings: settingsView(decodeSettings(entry.value)) }
      : { queue, source: 'none', settings: {} };
  }

  /**
   * Replaces a queue's stored settings (`{}` removes them). Limits apply from the next claim;
   * job defaults to jobs enqueued afterwards.
   */
  async putSettings(
    queue: string,
    input: unknown,
    ns = DEFAULT_NAMESPACE,
  ): Promise<QueueSettingsView> {
    if (this.queueSettings.has(queue)) {
      throw new EdgeqError(
        'conflict',
        `queue ${queue} is configured in code (createRuntime({ queues })); change it there`,
      );
    }
    const settings = normalizeSettings(input);
    if (settings.retention) {
      throw new EdgeqError(
        'invalid_request',
        'retention is set in code (createRuntime({ queues })), for every namespace at once',
        { field: 'retention' },
      );
    }
    const now = this.now();
    if (Object.keys(settings).length === 0) {
      await this.call(() => this.driver.deleteConfig({ ns, kind: 'queue', name: queue }));
      return { queue, source: 'none', settings: {} };
    }
    const value = JSON.stringify(settings);
    await this.call(() => this.driver.putConfig({ ns, now, kind: 'queue', name: queue, value }));
    return { queue, source: 'stored', settings: settingsView(settings) };
  }

  /** One queue's counts; a queue nobody has used yet reports zeros. */
  async queue(name: string, ns = DEFAULT_NAMESPACE): Promise<QueueInfo> {
    const now = this.now();
    const [info] = await this.call(() => this.driver.queues({ ns, now, queue: name }));
    return (
      info ?? {
        name,
        paused: false,
        counts: { scheduled: 0, queued: 0, active: 0, completed: 0, dead: 0, cancelled: 0 },
      }
    );
  }

  async setPaused(queue: string, paused: boolean, ns = DEFAULT_NAMESPACE): Promise<void> {
    const now = this.now();
    await this.call(() => this.driver.setPaused({ ns, now, queue, paused }));
  }

  async list(
    queue: string,
    state: JobState,
    page: { limit?: number; cursor?: string } = {},
    ns = DEFAULT_NAMESPACE,
  ): Promise<{ jobs: JobView[]; cursor?: string }> {
    const now = this.now();
    const res = await this.call(() =>
      this.driver.list({
        ns,
        now,
        queue,
        state,
        limit: page.limit ?? 100,
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      }),
    );
    return { jobs: res.jobs.map(jobView), ...(res.cursor ? { cursor: res.cursor } : {}) };
  }

  /**
   * Moves dead jobs back to the queue with fresh attempts. Without ids, replays every dead job of
   * the queue, in bounded driver calls (each one atomic).
   */
  async replayDead(queue: string, ids?: string[], ns = DEFAULT_NAMESPACE): Promise<number> {
    const limit = BOUNDS.maxEnqueueBatch;
    if (ids) {
      const now = this.now();
      const r = await this.call(() =>
        this.driver.replayDead({ ns, now, queue, ids, limit: ids.length }),
      );
      return r.replayed;
    }
    let total = 0;
    for (;;) {
      const now = this.now();
      const r = await this.call(() => this.driver.replayDead({ ns, now, queue, limit }));
      total += r.replayed;
      if (r.replayed < limit) return total;
    }
  }

  /**
   * Runs the queue's registered handler over its jobs until the queue is empty or `budgetMs`
   * (default: the tick budget) is spent.
   */
  async drain(
    queue: string,
    opts: { budgetMs?: number; within?: () => boolean } = {},
    ns = DEFAULT_NAMESPACE,
  ): Promise<DrainResult> {
    const handler = this.handlers.get(queue);
    if (!handler) throw new EdgeqError('not_found', `no handler is registered for queue ${queue}`);
    const started = Date.now();
    const budgetMs = opts.budgetMs ?? this.tickOptions.budgetMs;
    const within = () => Date.now() - started < budgetMs && (opts.within?.() ?? true);
    return drainQueue(this, queue, handler, within, ns);
  }

  /** The scheduled work: reclaim expired leases and prune expired finished jobs. */
  async tick(): Promise<TickResult> {
    const r = await runTick(this);
    this.metrics.reclaimed(r); // observe
    return r;
  }
}

/** `expiresAt` / `ttlMs` as a job field. */
function deadline(input: JobInput, now: number, runAt: number): Pick<NewJob, 'expiresAt'> {
  if (input.expiresAt !== undefined && input.ttlMs !== undefined) {
    throw new EdgeqError('invalid_request', 'give expiresAt or ttlMs, not both', {
      field: 'ttlMs',
    });
  }
  let at: number | undefined;
  if (input.ttlMs !== undefined) at = now + input.ttlMs;
  else if (input.expiresAt !== undefined) {
    at = typeof input.expiresAt === 'number' ? input.expiresAt : Date.parse(input.expiresAt);
    if (!Number.isFinite(at)) {
      throw new EdgeqError('invalid_request', 'expiresAt is not a valid time', {
        field: 'expiresAt',
      });
    }
  }
  if (at === undefined) return {};
  if (at <= runAt) {
    throw new EdgeqError('invalid_request', 'the deadline is not after the job can first run', {
      field: input.ttlMs === undefined ? 'expiresAt' : 'ttlMs',
    });
  }
  return { expiresAt: at };
}

/** `debounceMs`: the key becomes a debounce key and the run time moves to now + debounceMs. */
function debounce(input: JobInput, now: number, job: NewJob): Partial<NewJob> {
  if (input.debounceMs === undefined) return input.key === undefined ? {} : { key: input.key };
  if (input.key === undefined) {
    throw new EdgeqError('invalid_request', 'debounceMs needs a key to debounce by', {
      field: 'key',
    });
  }
  if (input.runAt !== undefined || input.delayMs !== undefined) {
    throw new EdgeqError('invalid_request', 'debounceMs sets the run time; drop runAt/delayMs', {
      field: 'debounceMs',
    });
  }
  const runAt = now + input.debounceMs;
  if (job.expiresAt !== undefined && job.expiresAt <= runAt) {
    throw new EdgeqError('invalid_request', 'the deadline is not after the debounced run time', {
      field: 'debounceMs',
    });
  }
  return { debounceKey: input.key, runAt };
}

function ackItem(a: AckInput): { id: string; leaseToken: string; result?: string } {
  return a.result === undefined
    ? { id: a.id, leaseToken: a.leaseToken }
    : { id: a.id, leaseToken: a.leaseToken, result: JSON.stringify(a.result) };
}

function fenceError(id: string, error: 'lease_lost' | 'not_found'): EdgeqError {
  return error === 'not_found'
    ? new EdgeqError('not_found', `job ${id} does not exist`)
    : new EdgeqError(
        'lease_lost',
        `the lease token does not hold job ${id}: it expired, was reclaimed or the job is finished`,
      );
}

/** An error for the log: name and message, with credentials in URLs or `key=value` redacted. */
export function describe(err: unknown): string {
  // drizzle wraps a driver's error as "Failed query: <sql>\nparams: <values>", and the values are
  // payloads, lease tokens and secrets: log the driver's own error (its cause) instead.
  let e = err;
  while (e instanceof Error && e.message.startsWith('Failed query:')) {
    if (e.cause === undefined) return `${e.name}: a query failed`;
    e = e.cause;
  }
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text
    .replace(/\/\/[^/@\s]+@/g, '//***@')
    .replace(/\b(password|token|secret|authToken|auth_token)=\S+/gi, '$1=***');
}
