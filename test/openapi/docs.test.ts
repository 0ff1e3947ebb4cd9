/**
 * `GET /docs`: the reference page renders on the server from the document, names every route
 * with its fields, responses and error codes, and is self-contained (no script, no external
 * resource), so it works on a deployment without any other network.
 */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { openApiDocument } from '../../src/openapi/document.js';
import type { Method, Response, ResponseRef } from '../../src/openapi/types.js';
import { harness } from '../observe/harness.js';

const doc = openApiDocument();

/** The visible text of some HTML: tags dropped, the entities hono/jsx writes decoded. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const plain = (s: string) => s.replaceAll('`', '');

async function page() {
  const h = harness(memoryDriver());
  const r = await h.call('GET', '/docs', { token: null });
  return r;
}

describe('the API reference page', () => {
  it('keeps its stylesheet intact (no HTML entity inside <style>, which CSS would not decode)', async () => {
    const r = await page();
    const style = /<style>([\s\S]*?)<\/style>/.exec(r.text)?.[1] ?? '';
    expect(style).toContain('font:15px/1.5');
    expect(style).not.toMatch(/&[a-z#0-9]+;/i);
  });

  it('renders without a token, as HTML that loads nothing and runs nothing', async () => {
    const r = await page();
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.text.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(r.text).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|\bsrc=/i);
    const hrefs = [...r.text.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(50);
    for (const href of hrefs) expect(href, href).toMatch(/^(#[\w-]+|\/openapi\.json)$/);
    // Every in-page link lands on an element of the page.
    const ids = new Set([...r.text.matchAll(/id="([^"]+)"/g)].map((m) => m[1]));
    for (const href of hrefs.filter((x) => x.startsWith('#')))
      expect(ids.has(href.slice(1)), href).toBe(true);
  });

  it('names every route, with its summary, right, fields, responses and error codes', async () => {
    const html = (await page()).text;
    const sections = new Map(
      html
        .split('<section class="op" id="op-')
        .slice(1)
        .map((s) => [s.slice(0, s.indexOf('"')), text(s.slice(s.indexOf('>') + 1))]),
    );
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item) as [
        Method,
        NonNullable<(typeof item)[Method]>,
      ][]) {
        const section = sections.get(op.operationId);
        expect(section, op.operationId).toBeDefined();
        expect(section).toContain(`${method.toUpperCase()}${path}`);
        expect(section).toContain(plain(op.summary));
        const right = op['x-edgeq-right'];
        expect(section).toContain(right ? `Bearer token with the ${right} right` : 'No token.');
        for (const p of op.parameters ?? []) expect(section, `${path} ${p.name}`).toContain(p.name);
        const body = op.requestBody?.content['application/json']?.schema.$ref?.split('/').pop();
        const fields = body ? doc.components.schemas[body]?.properties : undefined;
        for (const f of Object.keys(fields ?? {})) expect(section, `${path} ${f}`).toContain(f);
        for (const [status, r] of Object.entries(op.responses) as [
          string,
          Response | ResponseRef,
        ][]) {
          expect(section, `${path} ${status}`).toContain(status);
          const shared = '$ref' in r ? doc.components.responses[r.$ref.split('/').pop()!]! : r;
          for (const code of shared['x-error-codes'] ?? []) expect(section).toContain(code);
        }
        checked++;
      }
    }
    expect(checked).toBe(sections.size);
    expect(checked).toBeGreaterThan(30);
  });

  it('lists every schema with its fields, and links types to them', async () => {
    const html = (await page()).text;
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const at = html.indexOf(`id="schema-${name}"`);
      expect(at, name).toBeGreaterThan(0);
      const section = text(html.slice(at, html.indexOf('</section>', at)));
      for (const f of Object.keys(schema.properties ?? {}))
        expect(section, `${name}.${f}`).toContain(f);
    }
    // A field typed by a component links to it; descriptions from the field docs are shown.
    expect(html).toContain('<a href="#schema-ClaimedJob">ClaimedJob</a>');
    expect(text(html)).toContain('The token the claim handed out with the job');
  });
});
