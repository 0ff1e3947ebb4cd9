/**
 * The contract suite on the Postgres driver over Neon's serverless driver, both ways it talks:
 * SQL over HTTP (`neon()`, one HTTPS request per statement; what Workers use) and WebSocket
 * (`Pool`). Local endpoints in front of the machine's real Postgres speak Neon's protocols
 * (test/support/neon-http-server.ts, neon-ws-proxy.ts). Round trips over HTTP are the requests
 * the endpoint served.
 */
import { afterAll } from 'vitest';
import { driverContract } from '../contract/index.js';
import {
  closeSharedEndpoints,
  postgresNeonHttp,
  postgresNeonWs,
} from '../support/driver-fixtures.js';

afterAll(closeSharedEndpoints);

driverContract(postgresNeonHttp);
driverContract(postgresNeonWs);
