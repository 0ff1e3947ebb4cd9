import { memoryDriver } from '../../src/drivers/memory/index.js';
import { driverContract } from '../contract/index.js';

driverContract({
  name: 'memory',
  capabilities: { durable: false, shared: false, replaySafe: false },
  countsRoundTrips: false,
  factory: async () => ({ driver: memoryDriver() }),
});
