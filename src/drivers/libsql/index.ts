/**
 * `edgeq/drivers/libsql`: SQLite through libSQL. In Node, `file:` and `:memory:` URLs use the
 * embedded engine; in Workers `@libsql/client` resolves to its web build, which speaks HTTP to
 * Turso (or any libSQL server).
 *
 * @example
 * import { libsqlDriver } from 'edgeq/drivers/libsql';
 * const driver = libsqlDriver({ url: 'file:.edgeq/edgeq.db' });
 * const turso = libsqlDriver({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN });
 */
import { type Client, createClient } from '@libsql/client';
import { LibsqlDriver } from './driver.js';

export { LibsqlDriver } from './driver.js';

export type LibsqlDriverConfig =
  | {
      url: string;
      authToken?: string | undefined;
      /** Busy timeout for local files, ms (default 5000). */
      busyTimeoutMs?: number;
    }
  | { client: Client; local?: 'file' | 'memory' | false };

/** How a URL is served: the embedded engine (file or memory) or a remote server. */
export function localKind(url: string): 'file' | 'memory' | false {
  if (url === ':memory:' || url === 'file::memory:' || url.startsWith('file::memory:')) {
    return 'memory';
  }
  return url.startsWith('file:') ? 'file' : false;
}

export function libsqlDriver(config: LibsqlDriverConfig): LibsqlDriver {
  if ('client' in config) {
    return new LibsqlDriver({ client: config.client, local: config.local ?? false });
  }
  const local = localKind(config.url);
  const client = createClient({
    url: config.url,
    ...(config.authToken ? { authToken: config.authToken } : {}),
    timeout: config.busyTimeoutMs ?? 5_000,
    // The remote client queues calls beyond `concurrency` (default 20) in one isolate-wide queue;
    // in a Worker a queued call would wait on, and then run its fetch in, another request's I/O
    // context, which workerd cancels as hung. Each call is one request: let them all go.
    ...(local ? {} : { concurrency: Number.POSITIVE_INFINITY }),
  });
  return new LibsqlDriver({ client, local });
}
