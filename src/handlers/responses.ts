/**
 * Response schemas: what each route answers, as zod schemas, for the OpenAPI document
 * (src/openapi). The routes build their answers from the runtime's views (src/runtime/views.ts)
 * and do not parse them through these; test/openapi checks real answers against the document,
 * and that the views' types fit these schemas.
 *
 * Strict objects, so the document says `additionalProperties: false` and a field a route starts
 * answering without documenting it fails the tests.
 */
import * as z from 'zod';
import { JOB_STATES } from '../drivers/types.js';
import { type ErrorCode, HTTP_STATUS } from '../errors.js';
import { queueSettingsInput } from '../runtime/settings.js';

/** Every stable error code (src/errors.ts). */
export const ERROR_CODES = Object.keys(HTTP_STATUS) as [ErrorCode, ...ErrorCode[]];

const time = z.iso.datetime();
const count = z.number().int().min(0);
const id = z.string();
const state = z.enum(JOB_STATES as [string, ...string[]]);
/** Any JSON value, as the caller gave it. */
const json = z.unknown();

/** Every error: a stable code, a message for a person, and the failing field on 400s. */
export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** The request field that failed validation (`jobs.0.priority`), on 400s. */
    field: z.string().optional(),
  }),
});

/** A job as read back (`GET /v1/jobs/:id`, listings): never its lease token. */
export const jobResponse = z.strictObject({
  id,
  queue: z.string(),
  state,
  payload: json,
  priority: z.number().int(),
  attempt: count,
  maxAttempts: count,
  runAt: time,
  createdAt: time,
  updatedAt: time,
  key: z.string().optional(),
  group: z.string().optional(),
  expiresAt: time.optional(),
  debounceKey: z.string().optional(),
  leaseExpiresAt: time.optional(),
  finishedAt: time.optional(),
  result: json.optional(),
  lastError: z.string().optional(),
});

/** A job as a claim hands it out, with its lease token. */
export const claimedJob = z.strictObject({
  id,
  queue: z.string(),
  payload: json,
  priority: z.number().int(),
  attempt: count,
  maxAttempts: count,
  leaseToken: z.string(),
  leaseExpiresAt: time,
  createdAt: time,
  group: z.string().optional(),
});

/** One enqueued job: its id, and whether it is new. */
export const enqueueResult = z.strictObject({
  id,
  created: z.boolean(),
  debounced: z.boolean().optional(),
});
/** One job's result, or a batch's. */
export const enqueueResponse = z.union([
  enqueueResult,
  z.strictObject({ jobs: z.array(enqueueResult) }),
]);

/** One ack's outcome in a batch. */
export const ackOutcome = z.union([
  z.strictObject({ id, ok: z.literal(true) }),
  z.strictObject({ id, ok: z.literal(false), error: z.enum(['lease_lost', 'not_found']) }),
]);

/** The leased jobs, and the outcomes of acks the claim carried. */
export const claimResponse = z.strictObject({
  jobs: z.array(claimedJob),
  /** Present when the claim carried acks. */
  acks: z.array(ackOutcome).optional(),
});

/** A completed job, with its follow-ups when it had some. */
export const ackResponse = z.strictObject({
  id,
  state: z.literal('completed'),
  /** Present when the ack carried follow-up jobs. */
  enqueued: z.array(enqueueResult).optional(),
});

/** A failed job: waiting for its retry, or dead. */
export const nackResponse = z.union([
  z.strictObject({ id, state: z.literal('queued'), runAt: time }),
  z.strictObject({ id, state: z.literal('dead') }),
]);

/** A renewed lease. */
export const extendResponse = z.strictObject({ id, leaseExpiresAt: time });
/** `POST /v1/ack`: one outcome per ack. */
export const ackManyResponse = z.strictObject({ results: z.array(ackOutcome) });
/** A cancelled job. */
export const cancelResponse = z.strictObject({ id, state: z.literal('cancelled') });

const counts = z.strictObject(
  Object.fromEntries(JOB_STATES.map((s) => [s, count])) as Record<string, typeof count>,
);
/** A queue's counts by state, and whether it is paused. */
export const queueInfo = z.strictObject({ name: z.string(), paused: z.boolean(), counts });
/** `GET /v1/queues`. */
export const queuesResponse = z.strictObject({ queues: z.array(queueInfo) });

const settingsSource = z.enum(['code', 'stored', 'none']);
/** `GET /v1/queues/:queue`: counts and settings. */
export const queueResponse = z.strictObject({
  ...queueInfo.shape,
  settingsSource,
  settings: queueSettingsInput,
});
/** `PUT /v1/queues/:queue`: the settings now in force. */
export const queueSettingsResponse = z.strictObject({
  name: z.string(),
  settingsSource,
  settings: queueSettingsInput,
});
/** Pause and resume. */
export const pauseResponse = z.strictObject({ name: z.string(), paused: z.boolean() });

/** A page of jobs. */
export const jobListResponse = z.strictObject({
  jobs: z.array(jobResponse),
  /** Present when more jobs may follow: pass it as `cursor` for the next page. */
  cursor: z.string().optional(),
});
/** How many dead jobs were replayed. */
export const replayResponse = z.strictObject({ replayed: count });

/** Shown once, when the endpoint is bound: later reads give only the number of secrets. */
export const pushBindingResponse = z.strictObject({
  queue: z.string(),
  url: z.string(),
  secrets: z.array(z.string()),
  timeoutMs: z.number().int().optional(),
});
/** A push binding as read back: the number of secrets, not the secrets. */
export const pushResponse = z.strictObject({
  queue: z.string(),
  url: z.string(),
  timeoutMs: z.number().int().optional(),
  secrets: count,
});
/** A removed push binding. */
export const pushDeletedResponse = z.strictObject({ queue: z.string(), push: z.null() });

/** What a drain ran. */
export const drainResponse = z.strictObject({
  ran: count,
  completed: count,
  failed: count,
  lost: count,
  done: z.boolean(),
});

/** What a tick did. */
export const tickResponse = z.strictObject({
  reclaimed: count,
  dead: count,
  expired: count,
  pruned: count,
  schedules: z.strictObject({ schedules: count, enqueued: count }),
  pushed: z.strictObject({ delivered: count, failed: count }),
  handled: z.strictObject({ ran: count, completed: count, failed: count }),
  done: z.boolean(),
  elapsedMs: count,
});

/** The driver and what it guarantees. */
export const capabilitiesResponse = z.strictObject({
  driver: z.string(),
  capabilities: z.strictObject({
    durable: z.boolean(),
    shared: z.boolean(),
    replaySafe: z.boolean(),
  }),
});

/** `GET /healthz`. */
export const healthResponse = z.strictObject({ ok: z.literal(true), driver: z.string() });

/** A schedule, with its next run. */
export const scheduleResponse = z.strictObject({
  name: z.string(),
  cron: z.string(),
  tz: z.string(),
  queue: z.string(),
  payload: json.optional(),
  priority: z.number().int().optional(),
  maxAttempts: z.number().int().optional(),
  leaseMs: z.number().int().optional(),
  catchUp: z.number().int(),
  paused: z.boolean(),
  /** The next slot after now (absent while paused). */
  nextRunAt: time.optional(),
});
/** `GET /v1/schedules`. */
export const schedulesResponse = z.strictObject({ schedules: z.array(scheduleResponse) });
/** A deleted schedule. */
export const scheduleDeletedResponse = z.strictObject({
  name: z.string(),
  deleted: z.literal(true),
});
