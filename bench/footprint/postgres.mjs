// A user's Worker on Postgres (the `workerd` export condition picks the Neon build: SQL over
// HTTP by default, `pg` not bundled).
import { createWorker } from 'edgeq';
import { postgresDriver } from 'edgeq/drivers/postgres';

export default createWorker((env) => ({
  driver: postgresDriver({ url: env.DATABASE_URL }),
}));
