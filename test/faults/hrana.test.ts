/**
 * Transport faults on the libSQL driver over @libsql/client's HTTP client (Hrana v2, no
 * retries), through the local Hrana endpoint on a temp SQLite file. Scenarios in ./suite.ts.
 */
import { describe } from 'vitest';
import { hranaStore } from './stores.js';
import { transportFaults } from './suite.js';

describe('transport faults: libsql over hrana http', () => transportFaults(hranaStore));
