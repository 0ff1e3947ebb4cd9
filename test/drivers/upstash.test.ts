/**
 * The contract suite on the Upstash driver: the real @upstash/redis client, over the Upstash REST
 * protocol (test/support/upstash-server.ts), on the machine's real Redis. Each test gets its own
 * key prefix (so sweeps across namespaces see only its keys); round trips are the HTTP requests
 * the endpoint served.
 */
import { afterAll } from 'vitest';
import { driverContract } from '../contract/index.js';
import { closeSharedEndpoints, upstashRest } from '../support/driver-fixtures.js';

afterAll(closeSharedEndpoints);

driverContract(upstashRest);
