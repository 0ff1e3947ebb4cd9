/**
 * `edgeq/drivers/upstash` (Node build of @upstash/redis; Workers resolve ./cloudflare.ts through
 * the `workerd` export condition).
 *
 * @example
 * import { upstashDriver } from 'edgeq/drivers/upstash';
 * const driver = upstashDriver({
 *   url: process.env.UPSTASH_REDIS_REST_URL!,
 *   token: process.env.UPSTASH_REDIS_REST_TOKEN!,
 * });
 */
import { Redis } from '@upstash/redis';
import { CLIENT_DEFAULTS, type UpstashDriverConfig } from './config.js';
import { UpstashDriver } from './driver.js';

export type { UpstashDriverConfig } from './config.js';
export { UpstashDriver, type UpstashDriverOptions } from './driver.js';

export function upstashDriver(config: UpstashDriverConfig): UpstashDriver {
  if ('client' in config) return new UpstashDriver(config);
  const { url, token, ...rest } = config;
  return new UpstashDriver({ ...rest, client: new Redis({ url, token, ...CLIENT_DEFAULTS }) });
}
