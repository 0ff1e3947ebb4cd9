/** The history-checked scenarios on the in-memory driver. */
import { memory } from '../support/driver-fixtures.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(memory);
