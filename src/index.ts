/**
 * edgeq: a serverless, edge-native job queue runtime.
 *
 * Drivers are separate entries so a Worker bundles only the one it uses:
 * `edgeq/drivers/memory`, `edgeq/drivers/libsql`.
 */
export { runTick, type TickResult } from './cron/tick.js';
export { type DashboardDeps, dashboard } from './dashboard/index.js';
export type * from './drivers/types.js';
export { backoffDelay, rateAdvance, rateAllowance } from './drivers/types.js';
export { EdgeqError, type ErrorCode } from './errors.js';
export { type AppOptions, createApp } from './handlers/app.js';
export {
  parseTokens,
  type Right,
  type TokenConfig,
  type TokenRate,
  tokensFromEnv,
} from './handlers/tokens.js';
export {
  createWorker,
  type WorkerHandlers,
  type WorkerSetup,
} from './handlers/worker.js';
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  logLevelFromEnv,
} from './observe/log.js';
export { apiDocs } from './openapi/routes.js';
export {
  type DeliveryResult,
  deliver,
} from './push/deliver.js';
export {
  generateSecret,
  sign,
  type VerifyInput,
  verify,
  WebhookVerificationError,
} from './push/sign.js';
export { checkPushUrl, checkResolved, type UrlPolicy, type UrlVerdict } from './push/ssrf.js';
export {
  BOUNDS,
  DEFAULT_LIMITS,
  DEFAULT_TICK,
  type Limits,
  type TickOptions,
} from './runtime/config.js';
export type {
  DrainResult,
  Handler,
  HandlerContext,
  HandlerJob,
  HandlerOptions,
} from './runtime/handlers.js';
export {
  type AckInput,
  createRuntime,
  type JobInput,
  type QueueSettingsView,
  Runtime,
  type RuntimeOptions,
} from './runtime/runtime.js';
export { normalizeSettings, type QueueSettingsInput } from './runtime/settings.js';
export type { ClaimedView, JobView } from './runtime/views.js';
