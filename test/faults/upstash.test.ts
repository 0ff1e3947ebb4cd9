/**
 * Transport faults on the Upstash driver: @upstash/redis (retries on) over the local REST
 * endpoint on the machine's Redis. Scenarios in ./suite.ts.
 */
import { describe } from 'vitest';
import { upstashStore } from './stores.js';
import { transportFaults } from './suite.js';

describe('transport faults: upstash (REST)', () => transportFaults(upstashStore));
