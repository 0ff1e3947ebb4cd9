/** The history-checked scenarios on libSQL: a local file, and the remote client over Hrana HTTP. */
import { libsqlFile, libsqlHrana } from '../support/driver-fixtures.js';
import { scenarioSuite } from './suite.js';

scenarioSuite(libsqlFile);
scenarioSuite(libsqlHrana);
