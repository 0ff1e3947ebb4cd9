/** The history-checked scenarios on Upstash: the REST client, its retries on, on real Redis. */
import { afterAll } from 'vitest';
import { closeSharedEndpoints, upstashRest } from '../support/driver-fixtures.js';
import { scenarioSuite } from './suite.js';

afterAll(closeSharedEndpoints);

scenarioSuite(upstashRest);
