// A user's Worker on Upstash Redis (the `workerd` export condition picks the
// @upstash/redis/cloudflare build).
import { createWorker } from 'edgeq';
import { upstashDriver } from 'edgeq/drivers/upstash';

export default createWorker((env) => ({
  driver: upstashDriver({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    ...(env.EDGEQ_REDIS_PREFIX ? { prefix: env.EDGEQ_REDIS_PREFIX } : {}),
  }),
}));
