/**
 * Queue settings: flow limits (enforced by the driver inside the claim) and defaults for the
 * queue's jobs. They come from code (`createRuntime({ queues })`, which wins and cannot be changed
 * over the API) or from `PUT /v1/queues/:queue` (stored as the queue's config entry, kind
 * `queue`, which the drivers read in the claim's and enqueue's own round trip).
 */

import * as z from 'zod/mini';
import type { BackoffPolicy, FlowLimits, QueueSettings, RateLimit } from '../drivers/types.js';
import { EdgeqError } from '../errors.js';
import { int } from '../validation/z.js';
import { BOUNDS } from './config.js';

const PERIODS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const ms = int(0, BOUNDS.maxDelayMs);
const count = int(1, 1_000_000);
const jitter = z.optional(z.number().check(z.gte(0), z.lte(1)));

const rateInput = z
  .strictObject({
    limit: count,
    /** The window, as a name or in ms (one of the two). */
    per: z.optional(z.enum(['second', 'minute', 'hour', 'day'])),
    periodMs: z.optional(int(1, PERIODS.day * 31)),
    /** How many may be taken at once after a quiet spell (default 1: evenly spaced). */
    burst: z.optional(count),
  })
  .check(
    z.refine((r) => (r.per === undefined) !== (r.periodMs === undefined), {
      message: 'needs exactly one of per and periodMs',
    }),
    z.refine((r) => (r.burst ?? 1) <= r.limit, { message: 'burst cannot exceed limit' }),
  );

const backoffInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('exponential'), baseMs: ms, maxMs: ms, jitter }),
  z.strictObject({ type: z.literal('fixed'), delayMs: ms, jitter }),
  z.strictObject({
    type: z.literal('list'),
    delaysMs: z.array(ms).check(z.minLength(1), z.maxLength(100)),
  }),
]);

/** The settings a user writes (in code or as the PUT body). */
export const queueSettingsInput = z.strictObject({
  concurrency: z.optional(count),
  rate: z.optional(rateInput),
  groupConcurrency: z.optional(count),
  groupRate: z.optional(rateInput),
  leaseMs: z.optional(int(BOUNDS.minLeaseMs, BOUNDS.maxLeaseMs)),
  maxAttempts: z.optional(int(1, BOUNDS.maxAttempts)),
  backoff: z.optional(backoffInput),
  retention: z.optional(z.strictObject({ completedMs: z.optional(ms), deadMs: z.optional(ms) })),
});

export type QueueSettingsInput = z.input<typeof queueSettingsInput>;
type RateInput = z.output<typeof rateInput>;
type BackoffInput = z.output<typeof backoffInput>;

function rate(r: RateInput): RateLimit {
  return { limit: r.limit, periodMs: r.periodMs ?? PERIODS[r.per!], burst: r.burst ?? 1 };
}

export function backoffPolicy(b: BackoffInput): BackoffPolicy {
  if (b.type === 'list') return { delaysMs: b.delaysMs };
  if (b.type === 'fixed') return { baseMs: b.delayMs, maxMs: b.delayMs, jitter: b.jitter ?? 0 };
  if (b.maxMs < b.baseMs) {
    throw new EdgeqError('invalid_request', 'backoff.maxMs is below backoff.baseMs', {
      field: 'backoff.maxMs',
    });
  }
  return { baseMs: b.baseMs, maxMs: b.maxMs, jitter: b.jitter ?? 0.5 };
}

/** Validates and normalizes settings into the form drivers store and read. */
export function normalizeSettings(input: unknown): QueueSettings {
  const parsed = queueSettingsInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new EdgeqError('invalid_request', `${field || 'settings'}: ${issue.message}`, {
      field,
    });
  }
  const s = parsed.data;
  const out: QueueSettings = {};
  if (s.concurrency !== undefined) out.concurrency = s.concurrency;
  if (s.rate) out.rate = rate(s.rate);
  if (s.groupConcurrency !== undefined) out.groupConcurrency = s.groupConcurrency;
  if (s.groupRate) out.groupRate = rate(s.groupRate);
  if (s.leaseMs !== undefined) out.leaseMs = s.leaseMs;
  if (s.maxAttempts !== undefined) out.maxAttempts = s.maxAttempts;
  if (s.backoff) out.backoff = backoffPolicy(s.backoff);
  if (s.retention) out.retention = { ...s.retention };
  return out;
}

/** The claim-time part of settings. */
export function flowLimits(s: QueueSettings): FlowLimits {
  const out: FlowLimits = {};
  if (s.concurrency !== undefined) out.concurrency = s.concurrency;
  if (s.rate) out.rate = s.rate;
  if (s.groupConcurrency !== undefined) out.groupConcurrency = s.groupConcurrency;
  if (s.groupRate) out.groupRate = s.groupRate;
  return out;
}

/** Normalized settings back in the form users write them (for GET responses). */
export function settingsView(s: QueueSettings): QueueSettingsInput {
  const out: QueueSettingsInput = {};
  const rateView = (r: RateLimit) => ({ limit: r.limit, periodMs: r.periodMs, burst: r.burst });
  if (s.concurrency !== undefined) out.concurrency = s.concurrency;
  if (s.rate) out.rate = rateView(s.rate);
  if (s.groupConcurrency !== undefined) out.groupConcurrency = s.groupConcurrency;
  if (s.groupRate) out.groupRate = rateView(s.groupRate);
  if (s.leaseMs !== undefined) out.leaseMs = s.leaseMs;
  if (s.maxAttempts !== undefined) out.maxAttempts = s.maxAttempts;
  if (s.backoff) {
    const b = s.backoff;
    out.backoff =
      'delaysMs' in b
        ? { type: 'list', delaysMs: b.delaysMs }
        : b.baseMs === b.maxMs
          ? { type: 'fixed', delayMs: b.baseMs, jitter: b.jitter }
          : { type: 'exponential', baseMs: b.baseMs, maxMs: b.maxMs, jitter: b.jitter };
  }
  if (s.retention) out.retention = s.retention;
  return out;
}

/** Stored settings from a config value (written normalized); one that does not parse is none. */
export function decodeSettings(value: string): QueueSettings {
  try {
    const v: unknown = JSON.parse(value);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as QueueSettings) : {};
  } catch {
    return {};
  }
}
