// The floor under every request: a Worker that answers without edgeq, Hono or any import. What
// workerd and Miniflare's routing cost per request; bench/footprint.mjs runs it like the others.
export default {
  fetch() {
    return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
  },
};
