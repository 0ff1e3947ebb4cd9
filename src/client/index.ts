/**
 * edgeq/client: a typed client for the edgeq HTTP API, and `createWorker`, a pull consumer.
 * Runs unchanged in Workers, Node, Deno, Bun and browsers (only `fetch`, `AbortController`,
 * timers and `crypto`); nothing of the server is bundled with it.
 *
 * @example
 * import { EdgeqClient, createWorker } from 'edgeq/client';
 *
 * const client = new EdgeqClient({ url: 'http://127.0.0.1:8787', token: process.env.EDGEQ_TOKEN });
 * await client.enqueue('emails', { payload: { to: 'ada@example.com' } });
 *
 * const worker = createWorker({ url: 'http://127.0.0.1:8787', queue: 'emails', handler: send });
 * process.once('SIGTERM', () => void worker.stop());
 */
export { createClient, EdgeqClient } from './client.js';
export {
  type ApiErrorCode,
  EdgeqApiError,
  EdgeqClientError,
  EdgeqNetworkError,
  type NetworkErrorCode,
} from './errors.js';
export type { CallOptions, ClientOptions, FetchInit, FetchLike, FetchResponse } from './http.js';
export { EdgeqJobsClient } from './jobs.js';
export { AUTO_KEY_PREFIX } from './keys.js';
export type * from './types.js';
export { createWorker } from './worker.js';
export {
  type EdgeqWorker,
  JobError,
  type WorkerContext,
  type WorkerErrorInfo,
  type WorkerHandler,
  type WorkerJob,
  type WorkerOptions,
  type WorkerSettings,
  type WorkerStats,
} from './worker-types.js';
