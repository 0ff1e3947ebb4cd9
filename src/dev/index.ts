/**
 * `edgeq/dev`: the local endpoints behind `edgeq dev`, for tests and tools that want them in
 * their own process. Each speaks a hosted service's wire protocol in front of a local store, so
 * the production clients run unchanged, and each can inject transport faults (./faults.ts).
 * Node only.
 *
 * @example
 * import { startUpstashServer } from 'edgeq/dev';
 * const upstash = await startUpstashServer({ token: 'dev', faults: { errorRate: 0.05 } });
 * // new Redis({ url: upstash.url, token: 'dev' }): one command in 20 gets a 503
 */
export {
  DEV_DRIVERS,
  type DevDriver,
  type EnvGroup,
  formatGroup,
  MANAGED_VARS,
  mergeDevVars,
} from './env.js';
export type { Cue, FaultStats, Faults } from './faults.js';
export { type HranaServer, startHranaServer } from './hrana-server.js';
export { type NeonEndpointConfig, neonEndpointConfig } from './neon-config.js';
export {
  type NeonHttpServer,
  type NeonHttpServerOptions,
  neonHttpConfig,
  startNeonHttpServer,
} from './neon-http-server.js';
export {
  type NeonWsProxy,
  type NeonWsProxyOptions,
  neonWsConfig,
  startNeonWsProxy,
} from './neon-ws-proxy.js';
export type { ProbeResult } from './probe.js';
export {
  DEV_PORTS,
  type DevEndpoint,
  type DevOptions,
  type DevStack,
  PortInUseError,
  startDev,
} from './stack.js';
export {
  startUpstashServer,
  type UpstashServer,
  type UpstashServerOptions,
} from './upstash-server.js';
