import { driverContract } from '../contract/index.js';
import { memory } from '../support/driver-fixtures.js';

driverContract(memory);
