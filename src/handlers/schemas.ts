/**
 * Request schemas: every body and query is validated here, unknown fields rejected. The same
 * schemas will feed the OpenAPI document, so they stay the one source of truth.
 */
import * as z from 'zod';
import { JOB_STATES } from '../drivers/types.js';
import { BOUNDS, QUEUE_NAME, QUEUE_NAME_RULE } from '../runtime/config.js';

export { queueSettingsInput as queueSettingsBody } from '../runtime/settings.js';

export const queueName = z.string().regex(QUEUE_NAME, QUEUE_NAME_RULE);
export const jobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a job id');
/** Minted by the runtime as hex; visible ASCII is all a real one can hold. */
const leaseToken = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'is not a lease token');
const leaseMs = z.number().int().min(BOUNDS.minLeaseMs).max(BOUNDS.maxLeaseMs);

/**
 * Control characters (C0, DEL, C1), and UTF-16 halves without their pair. Postgres text cannot
 * hold NUL, and every store re-encodes a lone surrogate as U+FFFD, so two different keys would
 * become one (or the statement fails): neither may reach a driver.
 */
const UNSTORABLE = /\p{Cc}|\p{Surrogate}/u;
const LONE_SURROGATE = /\p{Surrogate}/gu;

/** An idempotency, debounce or group key: any printable text, kept verbatim. */
const textKey = z
  .string()
  .min(1)
  .max(BOUNDS.maxKeyLength)
  .refine((s) => !UNSTORABLE.test(s), 'must not hold control characters or lone surrogates');

/**
 * Free text kept for a person (a nack's error): made storable rather than refused, so a
 * worker's nack never fails because of what its exception said.
 */
const note = z
  .string()
  .max(BOUNDS.maxErrorLength)
  .transform((s) => s.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATE, '\ufffd'));

/** The latest instant a JavaScript Date can hold: a later epoch-ms time could never be shown. */
const MAX_TIME_MS = 8_640_000_000_000_000;
const time = z.union([z.number().int().min(0).max(MAX_TIME_MS), z.iso.datetime({ offset: true })]);

/** Nesting depth of a parsed JSON value, measured without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > BOUNDS.maxJsonDepth) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Any JSON value, nested at most `BOUNDS.maxJsonDepth` deep. */
const json = z.unknown().refine((v) => jsonDepth(v) <= BOUNDS.maxJsonDepth, {
  message: `is nested more than ${BOUNDS.maxJsonDepth} levels deep`,
});

const jobFields = {
  payload: json.optional(),
  delayMs: z.number().int().min(0).max(BOUNDS.maxDelayMs).optional(),
  runAt: time.optional(),
  priority: z.number().int().min(-BOUNDS.maxPriority).max(BOUNDS.maxPriority).optional(),
  maxAttempts: z.number().int().min(1).max(BOUNDS.maxAttempts).optional(),
  key: textKey.optional(),
  leaseMs: leaseMs.optional(),
  group: textKey.optional(),
  expiresAt: time.optional(),
  ttlMs: z.number().int().min(1).max(BOUNDS.maxDelayMs).optional(),
  debounceMs: z.number().int().min(0).max(BOUNDS.maxDelayMs).optional(),
};

export const jobInput = z.strictObject(jobFields);
export const enqueueBatch = z.strictObject({
  jobs: z.array(jobInput).min(1).max(BOUNDS.maxEnqueueBatch),
});

const ackItem = z.strictObject({ id: jobId, leaseToken, result: json.optional() });

export const claimBody = z.strictObject({
  limit: z.number().int().min(1).max(BOUNDS.maxClaim).optional(),
  leaseMs: leaseMs.optional(),
  acks: z.array(ackItem).max(BOUNDS.maxAckBatch).optional(),
});

export const ackBody = z.strictObject({
  leaseToken,
  result: json.optional(),
  enqueue: z
    .array(z.strictObject({ ...jobFields, queue: queueName }))
    .max(BOUNDS.maxEnqueueBatch)
    .optional(),
});

export const ackManyBody = z.strictObject({
  acks: z.array(ackItem).min(1).max(BOUNDS.maxAckBatch),
});

export const nackBody = z.strictObject({
  leaseToken,
  error: note.optional(),
  retryInMs: z.number().int().min(0).max(BOUNDS.maxDelayMs).optional(),
  dead: z.boolean().optional(),
});

export const extendBody = z.strictObject({ leaseToken, leaseMs });

export const replayBody = z.strictObject({
  ids: z.array(jobId).min(1).max(BOUNDS.maxEnqueueBatch).optional(),
});

const limitParam = z.coerce.number().int().min(1).max(BOUNDS.maxListLimit).optional();
// A cursor is the last job id of the previous page.
const cursorParam = jobId.optional();

export const pageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const listQuery = z.strictObject({
  state: z.enum(JOB_STATES as [string, ...string[]]),
  limit: limitParam,
  cursor: cursorParam,
});

export const pushBody = z.strictObject({
  url: z.string().min(1).max(2_048),
  secrets: z
    .array(z.string().regex(/^(whsec_)?[A-Za-z0-9+/=]{16,}$/, 'is not a whsec_ secret'))
    .min(1)
    .max(4)
    .optional(),
  timeoutMs: z.number().int().min(100).max(30_000).optional(),
});
