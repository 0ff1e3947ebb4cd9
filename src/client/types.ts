/**
 * Request and response types of the HTTP API, as the client sends and receives them. Bodies and
 * views come from the server's own schemas and types with `import type`, so the two cannot drift
 * and nothing of the server (zod included) is bundled with the client. The small wrappers around
 * them mirror the route handlers (src/handlers/routes).
 */
import type * as z from 'zod';
import type { ScheduleView } from '../cron/store.js';
import type { TickResult } from '../cron/tick.js';
import type {
  AckOutcome,
  Capabilities,
  EnqueueResult,
  JobState,
  QueueInfo,
} from '../drivers/types.js';
import type { scheduleBody } from '../handlers/routes/schedules.js';
import type {
  ackBody,
  claimBody,
  extendBody,
  jobInput,
  nackBody,
  pushBody,
} from '../handlers/schemas.js';
import type { OpenApiDocument } from '../openapi/types.js';
import type { PushBinding, PushView } from '../push/queues.js';
import type { DrainResult } from '../runtime/handlers.js';
import type { QueueSettingsInput } from '../runtime/settings.js';
import type { ClaimedView, JobView } from '../runtime/views.js';

export type {
  AckOutcome,
  Capabilities,
  ClaimedView,
  DrainResult,
  EnqueueResult,
  JobState,
  JobView,
  OpenApiDocument,
  PushView,
  QueueInfo,
  QueueSettingsInput,
  ScheduleView,
  TickResult,
};

/** One job to enqueue: `{payload?, delayMs?, runAt?, priority?, maxAttempts?, key?, ...}`. */
export type JobInput = z.input<typeof jobInput>;

/** A batch enqueue's answer: one result per job, in order. */
export interface EnqueueBatchResult {
  jobs: EnqueueResult[];
}

/**
 * The body of `POST /v1/queues/:queue/claim`: `limit` (1 to 100, default 1), `leaseMs` (default:
 * each job's own) and `acks` of earlier jobs, applied in the same round trip (at most 100).
 */
export type ClaimInput = z.input<typeof claimBody>;

/** One ack, carried by a claim or sent with `ackMany`. `result` is any JSON value. */
export type AckItem = NonNullable<ClaimInput['acks']>[number];

/** The answer to a claim. */
export interface ClaimResult {
  jobs: ClaimedView[];
  /** One outcome per ack sent with the claim, in order (only when acks were sent). */
  acks?: AckOutcome[];
}

/** The body of `POST /v1/jobs/:id/ack`: the lease token, a result, follow-up jobs. */
export type AckInput = z.input<typeof ackBody>;

/** The answer to an ack. */
export interface AckResult {
  id: string;
  state: 'completed';
  /** The follow-up jobs' results, when `enqueue` was given. */
  enqueued?: EnqueueResult[];
  /**
   * True when a retried ack was answered `lease_lost` and a read of the job showed it completed
   * with this ack's result: the first try had succeeded, its response was lost. `enqueued` is
   * then unknown (the follow-ups were stored with that first try).
   */
  confirmed?: true;
}

/** The body of `POST /v1/jobs/:id/nack`. */
export type NackInput = z.input<typeof nackBody>;

/** The answer to a nack: waiting again (`queued`, with its next `runAt`) or `dead`. */
export interface NackResult {
  id: string;
  state: 'queued' | 'dead';
  /** When a `queued` job runs again, ISO 8601. */
  runAt?: string;
  /** As for `AckResult.confirmed`: a retried nack whose first try had succeeded. */
  confirmed?: true;
}

/** The body of `POST /v1/jobs/:id/extend`: the lease token and `leaseMs` from now (1 s to 12 h). */
export type ExtendInput = z.input<typeof extendBody>;

/** The answer to an extension: when the lease now ends, ISO 8601. */
export interface ExtendResult {
  id: string;
  leaseExpiresAt: string;
}

/** The answer to `POST /v1/ack`: one outcome per ack, in order. */
export interface AckManyResult {
  results: AckOutcome[];
}

/** The answer to `DELETE /v1/jobs/:id`. */
export interface CancelResult {
  id: string;
  state: 'cancelled';
}

/** The answer to `GET /v1/queues`. */
export interface QueuesResult {
  queues: QueueInfo[];
}

/** Where a queue's settings come from: code (read-only over the API), the store, or none. */
export type SettingsSource = 'code' | 'stored' | 'none';

/** The answer to `GET /v1/queues/:queue`: counts, paused flag and settings. */
export interface QueueDetail extends QueueInfo {
  settingsSource: SettingsSource;
  settings: QueueSettingsInput;
}

/** The answer to `PUT /v1/queues/:queue`. */
export interface QueueSettingsResult {
  name: string;
  settingsSource: SettingsSource;
  settings: QueueSettingsInput;
}

/** The answer to pause and resume. */
export interface PausedResult {
  name: string;
  paused: boolean;
}

/** A page of `GET /v1/queues/:queue/jobs` or `.../dead`, in id (creation) order. */
export interface JobPage {
  jobs: JobView[];
  /** Pass it back for the next page; absent on the last one. */
  cursor?: string;
}

/** Paging of a listing. */
export interface PageInput {
  /** Jobs per page, 1 to 1,000 (default 100). */
  limit?: number;
  cursor?: string;
}

/** Which jobs `listJobs` reads: one state, one page. */
export interface ListInput extends PageInput {
  state: JobState;
}

/** How many dead jobs a replay moved back. */
export interface ReplayResult {
  replayed: number;
}

/** The body of `PUT /v1/queues/:queue/push`. */
export type PushInput = z.input<typeof pushBody>;

/** The answer to binding a push endpoint: the only time the secrets are shown. */
export interface PushBindResult extends PushBinding {
  queue: string;
}

/** The answer to `DELETE /v1/queues/:queue/push`. */
export interface PushDeleteResult {
  queue: string;
  push: null;
}

/** The answer to `GET /v1/capabilities`. */
export interface CapabilitiesResult {
  driver: string;
  capabilities: Capabilities;
}

/** The body of `PUT /v1/schedules/:name`. */
export type ScheduleInput = z.input<typeof scheduleBody>;

/** The answer to `GET /v1/schedules`. */
export interface SchedulesResult {
  schedules: ScheduleView[];
}

/** The answer to `PUT /v1/schedules/:name`. */
export interface SchedulePutResult {
  schedule: ScheduleView;
  /** True when the schedule is new (201), false when it replaced one (200). */
  created: boolean;
}

/** The answer to `DELETE /v1/schedules/:name`. */
export interface ScheduleDeleteResult {
  name: string;
  deleted: true;
}

/** The answer to `GET /healthz`. */
export interface HealthResult {
  ok: boolean;
  driver: string;
}
