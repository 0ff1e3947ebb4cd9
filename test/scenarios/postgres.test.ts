/** The history-checked scenarios on Postgres: node-postgres, Neon over HTTP and over WebSocket. */
import { afterAll } from 'vitest';
import {
  closeSharedEndpoints,
  postgresNeonHttp,
  postgresNeonWs,
  postgresPg,
} from '../support/driver-fixtures.js';
import { scenarioSuite } from './suite.js';

afterAll(closeSharedEndpoints);

scenarioSuite(postgresPg);
scenarioSuite(postgresNeonHttp);
scenarioSuite(postgresNeonWs);
