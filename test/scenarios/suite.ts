/**
 * Every history-checked scenario, on one driver variant. A driver family's test file calls this
 * once per variant; `SOAK=1` runs the same scenarios at soak sizes (scripts/soak.mjs).
 */
import { describe } from 'vitest';
import type { DriverVariant } from '../support/driver-fixtures.js';
import { claimerScenarios } from './claimers.js';
import { crashScenarios } from './crashes.js';
import { cronScenarios } from './cron.js';
import { raceScenarios } from './races.js';
import { reclaimScenarios } from './reclaim.js';
import { SOAK } from './sizes.js';

export function scenarioSuite(variant: DriverVariant): void {
  describe(`scenarios${SOAK ? ' (soak)' : ''}: ${variant.label}`, () => {
    claimerScenarios(variant);
    crashScenarios(variant);
    raceScenarios(variant);
    reclaimScenarios(variant);
    cronScenarios(variant);
  });
}
