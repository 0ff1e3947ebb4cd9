/**
 * Request schemas: every body and query is validated here, unknown fields rejected. The OpenAPI
 * document (src/openapi) is generated from these same schemas, so they stay the one source of
 * truth. Written with zod/mini (../validation/z.ts): checks go in `.check(...)`.
 */

import * as z from 'zod/mini';
import { JOB_STATES } from '../drivers/types.js';
import { BOUNDS, QUEUE_NAME, QUEUE_NAME_RULE } from '../runtime/config.js';
import { int } from '../validation/z.js';

export { queueSettingsInput as queueSettingsBody } from '../runtime/settings.js';

export const queueName = z.string().check(z.regex(QUEUE_NAME, QUEUE_NAME_RULE));
export const jobId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a job id'));
/** Minted by the runtime as hex; visible ASCII is all a real one can hold. */
const leaseToken = z.string().check(z.regex(/^[\x21-\x7e]{1,128}$/, 'is not a lease token'));
const leaseMs = int(BOUNDS.minLeaseMs, BOUNDS.maxLeaseMs);

/**
 * Control characters (C0, DEL, C1), and UTF-16 halves without their pair. Postgres text cannot
 * hold NUL, and every store re-encodes a lone surrogate as U+FFFD, so two different keys would
 * become one (or the statement fails): neither may reach a driver.
 */
const UNSTORABLE = /\p{Cc}|\p{Surrogate}/u;
const LONE_SURROGATE = /\p{Surrogate}/gu;

/** An idempotency, debounce or group key: any printable text, kept verbatim. */
const textKey = z.string().check(
  z.minLength(1),
  z.maxLength(BOUNDS.maxKeyLength),
  z.refine((s) => !UNSTORABLE.test(s), 'must not hold control characters or lone surrogates'),
);

/**
 * Free text kept for a person (a nack's error): made storable rather than refused, so a
 * worker's nack never fails because of what its exception said.
 */
const note = z.pipe(
  z.string().check(z.maxLength(BOUNDS.maxErrorLength)),
  z.transform((s) => s.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATE, '\ufffd')),
);

/** The latest instant a JavaScript Date can hold: a later epoch-ms time could never be shown. */
const MAX_TIME_MS = 8_640_000_000_000_000;
const time = z.union([int(0, MAX_TIME_MS), z.iso.datetime({ offset: true })]);

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
const json = z.unknown().check(
  z.refine((v) => jsonDepth(v) <= BOUNDS.maxJsonDepth, {
    message: `is nested more than ${BOUNDS.maxJsonDepth} levels deep`,
  }),
);

const jobFields = {
  payload: z.optional(json),
  delayMs: z.optional(int(0, BOUNDS.maxDelayMs)),
  runAt: z.optional(time),
  priority: z.optional(int(-BOUNDS.maxPriority, BOUNDS.maxPriority)),
  maxAttempts: z.optional(int(1, BOUNDS.maxAttempts)),
  key: z.optional(textKey),
  leaseMs: z.optional(leaseMs),
  group: z.optional(textKey),
  expiresAt: z.optional(time),
  ttlMs: z.optional(int(1, BOUNDS.maxDelayMs)),
  debounceMs: z.optional(int(0, BOUNDS.maxDelayMs)),
};

export const jobInput = z.strictObject(jobFields);
export const enqueueBatch = z.strictObject({
  jobs: z.array(jobInput).check(z.minLength(1), z.maxLength(BOUNDS.maxEnqueueBatch)),
});

const ackItem = z.strictObject({ id: jobId, leaseToken, result: z.optional(json) });

export const claimBody = z.strictObject({
  limit: z.optional(int(1, BOUNDS.maxClaim)),
  leaseMs: z.optional(leaseMs),
  acks: z.optional(z.array(ackItem).check(z.maxLength(BOUNDS.maxAckBatch))),
});

export const ackBody = z.strictObject({
  leaseToken,
  result: z.optional(json),
  enqueue: z.optional(
    z
      .array(z.strictObject({ ...jobFields, queue: queueName }))
      .check(z.maxLength(BOUNDS.maxEnqueueBatch)),
  ),
});

export const ackManyBody = z.strictObject({
  acks: z.array(ackItem).check(z.minLength(1), z.maxLength(BOUNDS.maxAckBatch)),
});

export const nackBody = z.strictObject({
  leaseToken,
  error: z.optional(note),
  retryInMs: z.optional(int(0, BOUNDS.maxDelayMs)),
  dead: z.optional(z.boolean()),
});

export const extendBody = z.strictObject({ leaseToken, leaseMs });

export const replayBody = z.strictObject({
  ids: z.optional(z.array(jobId).check(z.minLength(1), z.maxLength(BOUNDS.maxEnqueueBatch))),
});

const limitParam = z.optional(
  z.coerce.number().check(z.int(), z.gte(1), z.lte(BOUNDS.maxListLimit)),
);
// A cursor is the last job id of the previous page.
const cursorParam = z.optional(jobId);

export const pageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const listQuery = z.strictObject({
  state: z.enum(JOB_STATES as [string, ...string[]]),
  limit: limitParam,
  cursor: cursorParam,
});

export const pushBody = z.strictObject({
  url: z.string().check(z.minLength(1), z.maxLength(2_048)),
  secrets: z.optional(
    z
      .array(z.string().check(z.regex(/^(whsec_)?[A-Za-z0-9+/=]{16,}$/, 'is not a whsec_ secret')))
      .check(z.minLength(1), z.maxLength(4)),
  ),
  timeoutMs: z.optional(int(100, 30_000)),
});
