/**
 * The contract suite on libSQL: a local file (durable, shared by instances), :memory:, and the
 * remote client over Hrana HTTP (test/support/driver-fixtures.ts builds each).
 */
import { driverContract } from '../contract/index.js';
import { libsqlFile, libsqlHrana, libsqlMemory } from '../support/driver-fixtures.js';

driverContract(libsqlFile);
driverContract(libsqlMemory);
driverContract(libsqlHrana);
