/** Wraps a libSQL client to count requests to the store (each execute or batch is one). */
import type { Client } from '@libsql/client';

export function countingClient(inner: Client): { client: Client; count: () => number } {
  let n = 0;
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'execute' || prop === 'batch' || prop === 'executeMultiple') {
        return (...args: unknown[]) => {
          n++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { client, count: () => n };
}
