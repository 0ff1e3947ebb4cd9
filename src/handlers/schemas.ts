/**
 * Request schemas: every body and query is validated here, unknown fields rejected. The same
 * schemas will feed the OpenAPI document, so they stay the one source of truth.
 */
import * as z from 'zod';
import { JOB_STATES } from '../drivers/types.js';
import { BOUNDS, QUEUE_NAME } from '../runtime/config.js';

export { queueSettingsInput as queueSettingsBody } from '../runtime/settings.js';

export const queueName = z
  .string()
  .regex(QUEUE_NAME, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . -');
export const jobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a job id');
const leaseToken = z.string().min(1).max(128);
const leaseMs = z.number().int().min(BOUNDS.minLeaseMs).max(BOUNDS.maxLeaseMs);

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
  runAt: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]).optional(),
  priority: z.number().int().min(-BOUNDS.maxPriority).max(BOUNDS.maxPriority).optional(),
  maxAttempts: z.number().int().min(1).max(BOUNDS.maxAttempts).optional(),
  key: z.string().min(1).max(BOUNDS.maxKeyLength).optional(),
  leaseMs: leaseMs.optional(),
  group: z.string().min(1).max(BOUNDS.maxKeyLength).optional(),
  expiresAt: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]).optional(),
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
  error: z.string().max(BOUNDS.maxErrorLength).optional(),
  retryInMs: z.number().int().min(0).max(BOUNDS.maxDelayMs).optional(),
  dead: z.boolean().optional(),
});

export const extendBody = z.strictObject({ leaseToken, leaseMs });

export const replayBody = z.strictObject({
  ids: z.array(jobId).min(1).max(BOUNDS.maxEnqueueBatch).optional(),
});

const limitParam = z.coerce.number().int().min(1).max(BOUNDS.maxListLimit).optional();
const cursorParam = z.string().min(1).max(128).optional();

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
