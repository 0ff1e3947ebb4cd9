/**
 * Loopback host names, for open mode (`edgeq serve` without a token): it answers only requests
 * whose Host is a loopback name, so a web page that rebinds its own DNS name to 127.0.0.1 cannot
 * read or drive the queue from a browser. src/node/serve.ts has the same check for listen
 * addresses, but importing it would pull Node's server into Workers.
 *
 * @example
 * isLoopbackHost(new URL(c.req.url).hostname); // true for 127.0.0.1, localhost, [::1]
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
