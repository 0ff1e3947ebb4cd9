/**
 * The document and the app list the same routes, and each route needs exactly the right the
 * document names: checked against the routes `createApp` registers and against real requests.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { HTTP_STATUS } from '../../src/errors.js';
import type { Right } from '../../src/handlers/tokens.js';
import { buildDocument, errorCodes, openApiPath } from '../../src/openapi/build.js';
import { openApiDocument } from '../../src/openapi/document.js';
import { ROUTES, UNDOCUMENTED_PREFIXES } from '../../src/openapi/table.js';
import type { Method } from '../../src/openapi/types.js';
import { harness } from '../observe/harness.js';

const doc = openApiDocument();
const JOB = '01KDVDNA000000NVC5EF8CW6QK';
/** A concrete path for a route pattern. */
const concrete = (path: string) =>
  path.replace(':queue', 'q').replace(':id', JOB).replace(':name', 's');

function documented(): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item) as Method[]) out.push(`${method.toUpperCase()} ${path}`);
  }
  return out.sort();
}

describe('the route table', () => {
  it('documents every route createApp registers, and no other', () => {
    const { app } = harness(memoryDriver());
    const registered = new Set<string>();
    for (const r of app.routes) {
      if (r.method === 'ALL') continue; // middleware: auth, limits, the request log
      if (UNDOCUMENTED_PREFIXES.some((p) => r.path.startsWith(p))) continue;
      registered.add(`${r.method} ${openApiPath(r.path)}`);
    }
    expect([...registered].sort()).toEqual(documented());
    // Hono's `:param` became OpenAPI's `{param}`, and nothing else about the path changed.
    expect(documented()).toContain('POST /v1/jobs/{id}/ack');
    expect(documented().some((r) => r.includes(':'))).toBe(false);
  });

  it('is what the committed document was generated from (npm run gen:openapi)', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(doc).toEqual(buildDocument(version));
  });

  it('names each operation once, with its right and its error responses', () => {
    const ids = ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of ROUTES) {
      const op = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase() as Method];
      expect(op?.operationId).toBe(route.operationId);
      if (route.right === 'public') expect(op?.security).toEqual([]);
      else expect(op?.['x-edgeq-right']).toBe(route.right);
      for (const code of errorCodes(route)) {
        const r = op?.responses[String(HTTP_STATUS[code])];
        const shared = r && '$ref' in r ? doc.components.responses[r.$ref.split('/').pop()!] : r;
        expect(shared?.['x-error-codes'], `${route.path} ${code}`).toContain(code);
      }
      // Every route behind a token may be refused; a route with a body may get one too large.
      if (route.right !== 'public') expect(errorCodes(route)).toContain('unauthorized');
      if (route.body) expect(errorCodes(route)).toContain('payload_too_large');
    }
  });
});

describe('rights', () => {
  const rights: Right[] = ['enqueue', 'consume', 'admin'];
  const token = (r: string) => `rights-${r}-token-0123456789`;
  // One token per right (namespace default, no queue list), and one per pair of rights.
  const tokens = [
    ...rights.map((r) => ({ token: token(r), ns: 'default', rights: [r] })),
    ...rights.map((r) => ({
      token: token(`not-${r}`),
      ns: 'default',
      rights: rights.filter((x) => x !== r),
    })),
  ];

  it('each guarded route refuses a token without its documented right, and takes one with it', async () => {
    const h = harness(memoryDriver(), { tokens, runtime: { handlers: { q: async () => {} } } });
    for (const route of ROUTES) {
      const path = concrete(route.path);
      const where = `${route.method} ${route.path}`;
      const body = route.body ? {} : undefined;
      if (route.right === 'public') {
        const r = await h.call(route.method, path, { token: null });
        expect(r.status, where).toBe(200);
        continue;
      }
      const without = await h.call(route.method, path, {
        token: token(`not-${route.right}`),
        body,
      });
      expect([without.status, without.json?.error?.message], where).toEqual([
        403,
        `this token lacks the ${route.right} right`,
      ]);
      const withIt = await h.call(route.method, path, { token: token(route.right), body });
      expect([401, 403], `${where}: ${withIt.text}`).not.toContain(withIt.status);
      const anonymous = await h.call(route.method, path, { token: null, body });
      expect(anonymous.status, where).toBe(401);
    }
  });
});
