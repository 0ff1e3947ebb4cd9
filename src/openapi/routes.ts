/**
 * `GET /openapi.json` and `GET /docs`: the generated document (./document.generated.ts), as
 * its JSON text, and the reference page rendered from it on the first request. Neither needs a token: the document holds no secrets.
 *
 * Not mounted by default: `createApp(rt, { docs: apiDocs })` adds them (see `AppOptions.docs`).
 *
 * @example
 * const app = createApp(runtime, { token, docs: apiDocs });
 */
import { Hono } from 'hono/tiny';
import { docsPage } from './docs.js';
import { OPENAPI_JSON, openApiDocument } from './document.js';

/** The page has no scripts and loads nothing: say so to the browser too. */
const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** The routes of the API reference: `/openapi.json` and `/docs`. */
export function apiDocs(): Hono {
  const app = new Hono();
  // Rendered on first request and kept: the document is a constant.
  let page: string | undefined;
  app.get('/openapi.json', (c) =>
    c.body(OPENAPI_JSON, 200, { 'content-type': 'application/json; charset=utf-8' }),
  );
  app.get('/docs', (c) => {
    page ??= docsPage(openApiDocument());
    c.header('Content-Security-Policy', DOCS_CSP);
    return c.html(page);
  });
  return app;
}
