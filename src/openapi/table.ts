/**
 * The route table: every HTTP route with its summary, the right its token needs, the zod schemas
 * that validate its input (the very ones the routes parse with) and those of its answers. The
 * OpenAPI document is generated from it (./build.ts, at build time: scripts/gen-openapi.mjs),
 * and test/openapi checks that it lists exactly the routes `createApp` registers.
 *
 * Only the generator imports this module; the app serves the generated document, so a Worker
 * bundles neither this table nor a JSON Schema conversion.
 */
import * as z from 'zod';
import type { ErrorCode } from '../errors.js';
import * as res from '../handlers/responses.js';
import { scheduleBody } from '../handlers/routes/schedules.js';
import * as req from '../handlers/schemas.js';
import type { Right } from '../handlers/tokens.js';
import { QUEUE_NAME } from '../runtime/config.js';
import { queueSettingsInput } from '../runtime/settings.js';

/** Request schemas, by the component name they get in the document. */
export const REQUEST_SCHEMAS = {
  Job: req.jobInput,
  EnqueueBatch: req.enqueueBatch,
  EnqueueRequest: z.union([req.jobInput, req.enqueueBatch]),
  ClaimRequest: req.claimBody,
  AckRequest: req.ackBody,
  AckManyRequest: req.ackManyBody,
  NackRequest: req.nackBody,
  ExtendRequest: req.extendBody,
  QueueSettings: queueSettingsInput,
  ReplayRequest: req.replayBody,
  PushRequest: req.pushBody,
  ScheduleRequest: scheduleBody,
} satisfies Record<string, z.core.$ZodType>;

/** Response schemas, by component name. */
export const RESPONSE_SCHEMAS = {
  Error: res.errorResponse,
  Health: res.healthResponse,
  EnqueueResult: res.enqueueResult,
  EnqueueResponse: res.enqueueResponse,
  ClaimedJob: res.claimedJob,
  ClaimResponse: res.claimResponse,
  AckOutcome: res.ackOutcome,
  AckResponse: res.ackResponse,
  AckManyResponse: res.ackManyResponse,
  NackResponse: res.nackResponse,
  ExtendResponse: res.extendResponse,
  JobView: res.jobResponse,
  CancelResponse: res.cancelResponse,
  QueueInfo: res.queueInfo,
  QueuesResponse: res.queuesResponse,
  QueueResponse: res.queueResponse,
  QueueSettingsResponse: res.queueSettingsResponse,
  PauseResponse: res.pauseResponse,
  JobList: res.jobListResponse,
  ReplayResponse: res.replayResponse,
  PushBinding: res.pushBindingResponse,
  PushView: res.pushResponse,
  PushDeleted: res.pushDeletedResponse,
  DrainResult: res.drainResponse,
  TickResult: res.tickResponse,
  Capabilities: res.capabilitiesResponse,
  Schedule: res.scheduleResponse,
  ScheduleList: res.schedulesResponse,
  ScheduleDeleted: res.scheduleDeletedResponse,
} satisfies Record<string, z.core.$ZodType>;

/** A request component's name. */
export type RequestSchema = keyof typeof REQUEST_SCHEMAS;
/** A response component's name. */
export type ResponseSchema = keyof typeof RESPONSE_SCHEMAS;

/** Path parameters, validated by src/handlers/params.ts and the schedule routes. */
export const PATH_PARAMS = {
  queue: req.queueName,
  id: req.jobId,
  name: z.string().regex(QUEUE_NAME),
} satisfies Record<string, z.core.$ZodType>;

/** Groups of operations, in the order the document and the page list them. */
export const TAGS = [
  { name: 'Jobs', description: 'Produce and consume: enqueue, claim, ack, nack, extend, read.' },
  { name: 'Queues', description: 'Counts, settings, pause, listing and dead letters.' },
  { name: 'Push', description: 'Bind a queue to an HTTPS endpoint the tick delivers to.' },
  { name: 'Schedules', description: 'Cron schedules that enqueue a job per slot.' },
  { name: 'Operations', description: 'The scheduled work, handlers, capabilities, metrics.' },
  { name: 'Meta', description: 'Health and this reference.' },
] as const;
/** A group's name. */
export type Tag = (typeof TAGS)[number]['name'];

/** One success answer of a route (error answers follow from `errorCodes`). */
export interface ResponseSpec {
  status: number;
  description: string;
  /** A JSON body of this component. */
  schema?: ResponseSchema;
  /** A body of another media type (text or HTML), described in `description`. */
  mediaType?: string;
}

/** One route as the document describes it. */
export interface RouteSpec {
  /** Stable name for generated clients. */
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As registered in Hono (`/v1/jobs/:id/ack`); the document writes `{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** The right the bearer token needs; `public` routes take no token. */
  right: Right | 'public';
  body?: { schema: RequestSchema; required: boolean };
  /** Query parameters, from one strict zod object. */
  query?: z.core.$ZodObject;
  responses: ResponseSpec[];
  /** Errors of this route beyond those every guarded route may answer. */
  errors?: ErrorCode[];
  /** Answered without a storage call (no 503). */
  storeless?: boolean;
}

/** What every route behind a token may answer, besides its own errors. */
export const GUARDED_ERRORS: readonly ErrorCode[] = [
  'unauthorized',
  'forbidden',
  'rate_limited',
  'internal',
];

/** Routes `createApp` registers that are not part of the API: HTML pages for people. */
export const UNDOCUMENTED_PREFIXES: readonly string[] = ['/dashboard'];

const ok = (schema: ResponseSchema, description: string, status = 200): ResponseSpec => ({
  status,
  description,
  schema,
});

/** Every route of `createApp` (with `docs`), in the order the document lists them. */
export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'enqueue',
    method: 'POST',
    path: '/v1/queues/:queue/jobs',
    summary: 'Enqueue one job, or a batch of 1 to 1,000',
    description:
      'A body with `jobs` is a batch; anything else is one job. A `key` already held by a job of the queue returns that job (200, `created: false`); with `debounceMs` it replaces the waiting job with that key (`debounced: true`).',
    tag: 'Jobs',
    right: 'enqueue',
    body: { schema: 'EnqueueRequest', required: true },
    responses: [
      ok('EnqueueResponse', 'At least one job was stored.', 201),
      ok('EnqueueResponse', 'Every job already existed (idempotency key) or was debounced.'),
    ],
  },
  {
    operationId: 'claim',
    method: 'POST',
    path: '/v1/queues/:queue/claim',
    summary: 'Lease up to `limit` due jobs',
    description:
      'Highest priority first, then earliest run time, then FIFO, within the queue\u2019s flow control. `acks` settles the previous batch in the same round trip.',
    tag: 'Jobs',
    right: 'consume',
    body: { schema: 'ClaimRequest', required: false },
    responses: [ok('ClaimResponse', 'The leased jobs (possibly none), with their lease tokens.')],
  },
  {
    operationId: 'ack',
    method: 'POST',
    path: '/v1/jobs/:id/ack',
    summary: 'Complete a leased job',
    description:
      'Fenced by the lease token. Follow-up jobs in `enqueue` are stored if and only if the ack succeeds; they need the `enqueue` right on their queues.',
    tag: 'Jobs',
    right: 'consume',
    body: { schema: 'AckRequest', required: true },
    responses: [ok('AckResponse', 'The job is completed.')],
    errors: ['not_found', 'lease_lost'],
  },
  {
    operationId: 'nack',
    method: 'POST',
    path: '/v1/jobs/:id/nack',
    summary: 'Fail a leased job: retry later, or dead-letter it',
    description:
      'Retries after `retryInMs`, or after the backoff; a job out of attempts, or nacked with `dead: true`, is dead.',
    tag: 'Jobs',
    right: 'consume',
    body: { schema: 'NackRequest', required: true },
    responses: [ok('NackResponse', 'The job waits for its retry, or is dead.')],
    errors: ['not_found', 'lease_lost'],
  },
  {
    operationId: 'extend',
    method: 'POST',
    path: '/v1/jobs/:id/extend',
    summary: 'Renew a lease',
    tag: 'Jobs',
    right: 'consume',
    body: { schema: 'ExtendRequest', required: true },
    responses: [ok('ExtendResponse', 'The lease now ends at `leaseExpiresAt`.')],
    errors: ['not_found', 'lease_lost'],
  },
  {
    operationId: 'ackMany',
    method: 'POST',
    path: '/v1/ack',
    summary: 'Complete up to 100 leased jobs',
    description: 'Each ack has its own outcome; a stale lease fails only its own ack.',
    tag: 'Jobs',
    right: 'consume',
    body: { schema: 'AckManyRequest', required: true },
    responses: [ok('AckManyResponse', 'One outcome per ack, in order.')],
  },
  {
    operationId: 'getJob',
    method: 'GET',
    path: '/v1/jobs/:id',
    summary: 'Read a job',
    description: 'Never shows the lease token.',
    tag: 'Jobs',
    right: 'consume',
    responses: [ok('JobView', 'The job.')],
    errors: ['not_found'],
  },
  {
    operationId: 'cancelJob',
    method: 'DELETE',
    path: '/v1/jobs/:id',
    summary: 'Cancel a waiting job',
    description:
      'A scheduled or queued job (or one already cancelled); an active or finished job is a 409.',
    tag: 'Jobs',
    right: 'admin',
    responses: [ok('CancelResponse', 'The job is cancelled.')],
    errors: ['not_found', 'conflict'],
  },
  {
    operationId: 'listQueues',
    method: 'GET',
    path: '/v1/queues',
    summary: 'Every queue of the namespace, with its counts',
    description: 'A token with a queue list sees only its queues.',
    tag: 'Queues',
    right: 'admin',
    responses: [ok('QueuesResponse', 'The queues.')],
  },
  {
    operationId: 'getQueue',
    method: 'GET',
    path: '/v1/queues/:queue',
    summary: 'A queue\u2019s counts and settings',
    description: 'A queue nobody has used yet reports zeros.',
    tag: 'Queues',
    right: 'admin',
    responses: [ok('QueueResponse', 'Counts, and the settings with where they come from.')],
  },
  {
    operationId: 'putQueueSettings',
    method: 'PUT',
    path: '/v1/queues/:queue',
    summary: 'Replace a queue\u2019s stored settings',
    description:
      'Flow limits apply from the next claim, job defaults to jobs enqueued afterwards; `{}` removes them. A queue configured in code answers 409.',
    tag: 'Queues',
    right: 'admin',
    body: { schema: 'QueueSettings', required: true },
    responses: [ok('QueueSettingsResponse', 'The settings now in force.')],
    errors: ['conflict'],
  },
  {
    operationId: 'pauseQueue',
    method: 'POST',
    path: '/v1/queues/:queue/pause',
    summary: 'Pause a queue: it is not claimed from',
    tag: 'Queues',
    right: 'admin',
    responses: [ok('PauseResponse', 'The queue is paused.')],
  },
  {
    operationId: 'resumeQueue',
    method: 'POST',
    path: '/v1/queues/:queue/resume',
    summary: 'Resume a paused queue',
    tag: 'Queues',
    right: 'admin',
    responses: [ok('PauseResponse', 'The queue is claimed from again.')],
  },
  {
    operationId: 'listJobs',
    method: 'GET',
    path: '/v1/queues/:queue/jobs',
    summary: 'List a queue\u2019s jobs in one state',
    description: 'In id (creation) order, a page at a time.',
    tag: 'Queues',
    right: 'admin',
    query: req.listQuery,
    responses: [ok('JobList', 'A page of jobs, and a cursor when more may follow.')],
  },
  {
    operationId: 'listDead',
    method: 'GET',
    path: '/v1/queues/:queue/dead',
    summary: 'List a queue\u2019s dead jobs',
    tag: 'Queues',
    right: 'admin',
    query: req.pageQuery,
    responses: [ok('JobList', 'A page of dead jobs with their `lastError`.')],
  },
  {
    operationId: 'replayDead',
    method: 'POST',
    path: '/v1/queues/:queue/dead/replay',
    summary: 'Move dead jobs back to the queue',
    description:
      'The jobs named by `ids`, or every dead job of the queue; they start again at attempt 0.',
    tag: 'Queues',
    right: 'admin',
    body: { schema: 'ReplayRequest', required: false },
    responses: [ok('ReplayResponse', 'How many jobs were replayed.')],
  },
  {
    operationId: 'bindPush',
    method: 'PUT',
    path: '/v1/queues/:queue/push',
    summary: 'Bind the queue to an HTTPS endpoint',
    description:
      'The tick POSTs each job there, signed per Standard Webhooks. The URL passes the SSRF guard. The signing secrets are shown in this answer only.',
    tag: 'Push',
    right: 'admin',
    body: { schema: 'PushRequest', required: true },
    responses: [ok('PushBinding', 'The binding, with its signing secrets.')],
  },
  {
    operationId: 'getPush',
    method: 'GET',
    path: '/v1/queues/:queue/push',
    summary: 'The queue\u2019s push endpoint',
    tag: 'Push',
    right: 'admin',
    responses: [ok('PushView', 'The binding, with the number of secrets.')],
    errors: ['not_found'],
  },
  {
    operationId: 'unbindPush',
    method: 'DELETE',
    path: '/v1/queues/:queue/push',
    summary: 'Remove the queue\u2019s push endpoint',
    tag: 'Push',
    right: 'admin',
    responses: [ok('PushDeleted', 'The queue is no longer pushed.')],
    errors: ['not_found'],
  },
  {
    operationId: 'drainQueue',
    method: 'POST',
    path: '/v1/queues/:queue/drain',
    summary: 'Run the queue\u2019s in-process handler now',
    description: 'Until the queue is empty or the tick budget is spent.',
    tag: 'Operations',
    right: 'admin',
    responses: [ok('DrainResult', 'What ran, and how it ended.')],
    errors: ['not_found'],
  },
  {
    operationId: 'tick',
    method: 'POST',
    path: '/v1/tick',
    summary: 'Run the scheduled work now',
    description:
      'Reclaims expired leases, prunes, enqueues schedule slots, delivers pushes and runs handlers, within the tick budget, in every namespace: it needs an admin token of namespace `default` without a queue list.',
    tag: 'Operations',
    right: 'admin',
    responses: [ok('TickResult', 'The counts of this tick.')],
  },
  {
    operationId: 'capabilities',
    method: 'GET',
    path: '/v1/capabilities',
    summary: 'The driver and what it guarantees',
    tag: 'Operations',
    right: 'admin',
    responses: [ok('Capabilities', 'The driver\u2019s name and capabilities.')],
    storeless: true,
  },
  {
    operationId: 'listSchedules',
    method: 'GET',
    path: '/v1/schedules',
    summary: 'Every schedule of the namespace',
    description: 'Schedules need an admin token without a queue list.',
    tag: 'Schedules',
    right: 'admin',
    responses: [ok('ScheduleList', 'The schedules, with their next run.')],
  },
  {
    operationId: 'getSchedule',
    method: 'GET',
    path: '/v1/schedules/:name',
    summary: 'Read a schedule',
    tag: 'Schedules',
    right: 'admin',
    responses: [ok('Schedule', 'The schedule.')],
    errors: ['not_found'],
  },
  {
    operationId: 'putSchedule',
    method: 'PUT',
    path: '/v1/schedules/:name',
    summary: 'Create or replace a schedule',
    tag: 'Schedules',
    right: 'admin',
    body: { schema: 'ScheduleRequest', required: true },
    responses: [
      ok('Schedule', 'The schedule was created.', 201),
      ok('Schedule', 'The schedule was replaced.'),
    ],
  },
  {
    operationId: 'deleteSchedule',
    method: 'DELETE',
    path: '/v1/schedules/:name',
    summary: 'Delete a schedule',
    description: 'Jobs it already enqueued stay.',
    tag: 'Schedules',
    right: 'admin',
    responses: [ok('ScheduleDeleted', 'The schedule is gone.')],
    errors: ['not_found'],
  },
  {
    operationId: 'pauseSchedule',
    method: 'POST',
    path: '/v1/schedules/:name/pause',
    summary: 'Pause a schedule',
    description: 'Slots missed while paused are caught up to `catchUp` on resume.',
    tag: 'Schedules',
    right: 'admin',
    responses: [ok('Schedule', 'The schedule, paused.')],
    errors: ['not_found'],
  },
  {
    operationId: 'resumeSchedule',
    method: 'POST',
    path: '/v1/schedules/:name/resume',
    summary: 'Resume a schedule',
    tag: 'Schedules',
    right: 'admin',
    responses: [ok('Schedule', 'The schedule, with its next run.')],
    errors: ['not_found'],
  },
  {
    operationId: 'metrics',
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics of this instance',
    description:
      'Text exposition format 0.0.4: jobs by queue and state (read from the store now), and this instance\u2019s counters and latency histograms. An admin of namespace `default` sees every namespace; any other admin only its own. Needs a token without a queue list.',
    tag: 'Operations',
    right: 'admin',
    responses: [
      {
        status: 200,
        description: 'Prometheus text exposition (`text/plain; version=0.0.4`).',
        mediaType: 'text/plain',
      },
    ],
  },
  {
    operationId: 'health',
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness, and the driver in use',
    description: 'No token; makes no storage call.',
    tag: 'Meta',
    right: 'public',
    responses: [ok('Health', 'The app is up.')],
    storeless: true,
  },
  {
    operationId: 'openapi',
    method: 'GET',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    description: 'No token: it holds no secrets.',
    tag: 'Meta',
    right: 'public',
    responses: [
      { status: 200, description: 'The OpenAPI document.', mediaType: 'application/json' },
    ],
    storeless: true,
  },
  {
    operationId: 'docs',
    method: 'GET',
    path: '/docs',
    summary: 'The API reference as an HTML page',
    description: 'No token, no scripts: rendered on the server from this document.',
    tag: 'Meta',
    right: 'public',
    responses: [{ status: 200, description: 'The reference page.', mediaType: 'text/html' }],
    storeless: true,
  },
];
