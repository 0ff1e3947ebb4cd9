/** Options shared by the Node and Cloudflare entries of the Upstash driver. */
import type { UpstashDriverOptions } from './driver.js';

export type UpstashDriverConfig =
  | ({
      /** `UPSTASH_REDIS_REST_URL`. */
      url: string;
      /** `UPSTASH_REDIS_REST_TOKEN`. */
      token: string;
    } & Omit<UpstashDriverOptions, 'client'>)
  | UpstashDriverOptions;

/**
 * Client settings the driver relies on. Results are cjson documents the driver parses itself, so
 * the client's automatic JSON decoding is off; its retries stay on (the scripts are replay-safe).
 */
export const CLIENT_DEFAULTS = { automaticDeserialization: false } as const;
