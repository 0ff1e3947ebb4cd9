/**
 * The served document is valid OpenAPI 3.1 (checked by a real validator against the official
 * schema) and every schema in it is valid JSON Schema 2020-12 (compiled by Ajv in strict mode).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { ERROR_CODES } from '../../src/handlers/responses.js';
import { openApiDocument } from '../../src/openapi/document.js';
import { harness } from '../observe/harness.js';
import { checker } from './validate.js';

const doc = openApiDocument();

/** Every `$ref` in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('is served at /openapi.json without a token, as generated', async () => {
    const h = harness(memoryDriver());
    const r = await h.call('GET', '/openapi.json', { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.json).toEqual(doc);
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc) as never);
    expect(res.errors).toBeUndefined();
    expect(res.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('holds only JSON Schema 2020-12 that Ajv compiles in strict mode, and refs that resolve', () => {
    const { ajv } = checker(doc);
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.getSchema(`edgeq:components#/$defs/${name}`), name).not.toThrow();
      expect(ajv.getSchema(`edgeq:components#/$defs/${name}`), name).toBeTypeOf('function');
    }
    for (const ref of refs(doc)) {
      const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref) ?? [];
      expect(kind, ref).toBeDefined();
      const target = kind === 'schemas' ? doc.components.schemas : doc.components.responses;
      expect(target[name!], ref).toBeDefined();
    }
  });

  it('uses bearer auth, and the error body names every stable code', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    const code = doc.components.schemas.Error?.properties?.error?.properties?.code;
    expect(code?.enum).toEqual(ERROR_CODES);
    expect(Object.keys(doc.components.responses).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('describes request bodies from the schemas the routes parse with', () => {
    const job = doc.components.schemas.Job!;
    // Bounds come from BOUNDS through zod, unknown fields are refused, descriptions are added.
    expect(job.additionalProperties).toBe(false);
    expect(job.properties?.priority).toMatchObject({
      type: 'integer',
      minimum: -1_000_000,
      maximum: 1_000_000,
    });
    expect(job.properties?.runAt?.description).toMatch(/epoch ms or ISO 8601/);
    const ack = doc.paths['/v1/jobs/{id}/ack']?.post;
    expect(ack?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AckRequest' } } },
    });
    expect(doc.components.schemas.AckRequest?.required).toEqual(['leaseToken']);
    const list = doc.paths['/v1/queues/{queue}/jobs']?.get?.parameters ?? [];
    expect(list.map((p) => [p.name, p.in, p.required])).toEqual([
      ['queue', 'path', true],
      ['state', 'query', true],
      ['limit', 'query', false],
      ['cursor', 'query', false],
    ]);
  });
});
