/**
 * The ready-made Cloudflare Worker: `wrangler deploy` this entry. It picks the driver from env:
 * `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN` for Upstash Redis, else `DATABASE_URL`
 * for Postgres (Neon over HTTP; `NEON_FETCH_ENDPOINT` for a local endpoint), else `LIBSQL_URL`
 * (+ `LIBSQL_AUTH_TOKEN`) for libSQL / Turso; otherwise the in-memory driver, with a
 * warning, because its jobs live only in one isolate and vanish when it is evicted.
 */
import { neonConfig } from '@neondatabase/serverless';
import { dashboard } from './dashboard/index.js';
import { libsqlDriver } from './drivers/libsql/index.js';
import { memoryDriver } from './drivers/memory/index.js';
import { postgresDriver } from './drivers/postgres/cloudflare.js';
import type { Driver } from './drivers/types.js';
import { upstashDriver } from './drivers/upstash/cloudflare.js';
import { createWorker } from './handlers/worker.js';
import { createLogger, newRequestId } from './observe/log.js';
import { apiDocs } from './openapi/routes.js';
import { type Env, envString, limitsFromEnv } from './runtime/env.js';

function pickDriver(env: Env): Driver {
  const redisUrl = envString(env, 'UPSTASH_REDIS_REST_URL');
  const redisToken = envString(env, 'UPSTASH_REDIS_REST_TOKEN');
  if (redisUrl && redisToken) {
    const prefix = envString(env, 'EDGEQ_REDIS_PREFIX');
    return upstashDriver({ url: redisUrl, token: redisToken, ...(prefix ? { prefix } : {}) });
  }
  const databaseUrl = envString(env, 'DATABASE_URL');
  if (databaseUrl) {
    const schema = envString(env, 'EDGEQ_PG_SCHEMA');
    // A local Neon SQL-over-HTTP endpoint (`edgeq dev`) instead of https://<host>/sql. Only when
    // set: neonConfig is global to the isolate.
    const fetchEndpoint = envString(env, 'NEON_FETCH_ENDPOINT');
    if (fetchEndpoint) neonConfig.fetchEndpoint = fetchEndpoint;
    return postgresDriver({ url: databaseUrl, ...(schema ? { schema } : {}) });
  }
  const url = envString(env, 'LIBSQL_URL');
  if (url) return libsqlDriver({ url, authToken: envString(env, 'LIBSQL_AUTH_TOKEN') });
  createLogger().warn(
    'no storage configured (UPSTASH_REDIS_REST_URL/_TOKEN, DATABASE_URL or LIBSQL_URL): using the in-memory driver. Jobs live in one ' +
      'isolate only and are lost when it is evicted; do not use it in production.',
    { requestId: newRequestId() },
  );
  return memoryDriver();
}

export default createWorker<Env>((env) => ({
  driver: pickDriver(env),
  limits: limitsFromEnv(env),
  docs: apiDocs,
  dashboard,
}));
