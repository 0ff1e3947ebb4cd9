/**
 * The contract suite on the Postgres driver over Neon's serverless driver, both ways it talks:
 * SQL over HTTP (`neon()`, one HTTPS request per statement; what Workers use) and WebSocket
 * (`Pool`). Local endpoints in front of the machine's real Postgres speak Neon's protocols
 * (test/support/neon-http-server.ts, neon-ws-proxy.ts). Round trips over HTTP are the requests
 * the endpoint served.
 */
import { neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import ws from 'ws';
import {
  neonHttpTransport,
  neonWsTransport,
  PostgresDriver,
} from '../../src/drivers/postgres/index.js';
import { driverContract } from '../contract/index.js';
import { type NeonHttpServer, startNeonHttpServer } from '../support/neon-http-server.js';
import { type NeonWsProxy, startNeonWsProxy } from '../support/neon-ws-proxy.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';

let http: NeonHttpServer;
let proxy: NeonWsProxy;
const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });

beforeAll(async () => {
  http = await startNeonHttpServer();
  proxy = await startNeonWsProxy();
  neonConfig.fetchEndpoint = http.url;
  neonConfig.wsProxy = (host, port) => `127.0.0.1:${proxy.port}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  // Trust auth has no password exchange to pipeline: Neon's default pipelining breaks it.
  neonConfig.pipelineConnect = false;
  neonConfig.webSocketConstructor = ws;
});
afterAll(async () => {
  await http?.close();
  await proxy?.close();
  await admin.end();
});

const dropSchema = (schema: string) => async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
};

driverContract({
  name: 'postgres',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const schema = freshSchema();
    const driver = new PostgresDriver({ transport: neonHttpTransport(PG_URL), schema });
    await driver.migrate();
    return {
      driver,
      roundTrips: () => http.requests,
      reopen: async () => new PostgresDriver({ transport: neonHttpTransport(PG_URL), schema }),
      cleanup: dropSchema(schema),
    };
  },
});

driverContract({
  name: 'postgres',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: false,
  factory: async () => {
    const schema = freshSchema();
    const driver = new PostgresDriver({ transport: neonWsTransport(PG_URL), schema });
    await driver.migrate();
    return {
      driver,
      reopen: async () => new PostgresDriver({ transport: neonWsTransport(PG_URL), schema }),
      cleanup: dropSchema(schema),
    };
  },
});
