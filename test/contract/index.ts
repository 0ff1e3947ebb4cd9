/**
 * The driver contract suite, written once. A driver's test file only builds its driver:
 *
 *   driverContract({ name: 'memory', capabilities, countsRoundTrips: false, factory });
 */
import { describe } from 'vitest';
import { adminContract } from './admin.js';
import { claimContract } from './claim.js';
import { configContract } from './config.js';
import { enqueueContract } from './enqueue.js';
import { finishContract } from './finish.js';
import { flowContract } from './flow.js';
import { flowLoadContract } from './flow-load.js';
import type { DriverSuite } from './harness.js';
import { isolationContract } from './isolation.js';
import { reclaimContract } from './reclaim.js';
import { restoreContract } from './restore.js';

export type { DriverFixture, DriverSuite } from './harness.js';

export function driverContract(suite: DriverSuite): void {
  describe(`driver contract: ${suite.name}`, () => {
    enqueueContract(suite);
    claimContract(suite);
    finishContract(suite);
    reclaimContract(suite);
    adminContract(suite);
    isolationContract(suite);
    configContract(suite);
    flowContract(suite);
    flowLoadContract(suite);
    restoreContract(suite);
  });
}
