/**
 * Transport faults on the Postgres driver over Neon's SQL-over-HTTP client (no retries), through
 * the local Neon HTTP endpoint on the machine's Postgres. Scenarios in ./suite.ts.
 */
import { describe } from 'vitest';
import { neonHttpStore } from './stores.js';
import { transportFaults } from './suite.js';

describe('transport faults: postgres over neon-http', () => transportFaults(neonHttpStore));
