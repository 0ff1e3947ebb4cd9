/**
 * Transport faults on the Postgres driver over Neon's WebSocket Pool (no retries), through the
 * local WebSocket proxy to the machine's Postgres. Scenarios in ./suite.ts.
 */
import { describe } from 'vitest';
import { neonWsStore } from './stores.js';
import { transportFaults } from './suite.js';

describe('transport faults: postgres over neon-ws', () => transportFaults(neonWsStore));
