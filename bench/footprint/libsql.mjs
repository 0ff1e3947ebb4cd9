// A user's Worker on libSQL / Turso (in workerd @libsql/client resolves to its web build).
import { createWorker } from 'edgeq';
import { libsqlDriver } from 'edgeq/drivers/libsql';

export default createWorker((env) => ({
  driver: libsqlDriver({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN }),
}));
