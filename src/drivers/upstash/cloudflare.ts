/** `edgeq/drivers/upstash` inside Workers: the same driver over @upstash/redis/cloudflare. */
import { Redis } from '@upstash/redis/cloudflare';
import { CLIENT_DEFAULTS, type UpstashDriverConfig } from './config.js';
import { UpstashDriver } from './driver.js';

export type { UpstashDriverConfig } from './config.js';
export { UpstashDriver, type UpstashDriverOptions } from './driver.js';

export function upstashDriver(config: UpstashDriverConfig): UpstashDriver {
  if ('client' in config) return new UpstashDriver(config);
  const { url, token, ...rest } = config;
  return new UpstashDriver({ ...rest, client: new Redis({ url, token, ...CLIENT_DEFAULTS }) });
}
