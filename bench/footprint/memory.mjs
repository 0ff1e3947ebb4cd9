// A user's Worker on the memory driver, written as a user would (package paths, not src/):
// bench/footprint.mjs builds it with wrangler to weigh the bundle and runs it in workerd.
import { createWorker } from 'edgeq';
import { memoryDriver } from 'edgeq/drivers/memory';

export default createWorker(() => ({ driver: memoryDriver() }));
