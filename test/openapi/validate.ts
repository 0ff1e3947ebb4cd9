/**
 * Checks real answers against the document: finds the operation a request hit, the response it
 * documents for the status, and validates the body with Ajv (JSON Schema 2020-12, formats on).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { JsonSchema, OpenApiDocument, Operation, Response } from '../../src/openapi/types.js';

/** The document's `#/components/schemas/X` refs, pointed at `#/$defs/X` for a standalone schema. */
function retarget(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retarget);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string'
        ? v.replace('#/components/schemas/', '#/$defs/')
        : retarget(v),
    ]),
  );
}

export interface Checker {
  ajv: Ajv2020;
  /** The operation a request's method and concrete path hit, or undefined. */
  operation(method: string, path: string): { pattern: string; op: Operation } | undefined;
  /** Problems with one answer (empty when it matches the document). */
  check(method: string, path: string, status: number, contentType: string, body: unknown): string[];
}

export function checker(doc: OpenApiDocument): Checker {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  ajv.addKeyword('x-error-codes');
  const defs = retarget(doc.components.schemas) as Record<string, object>;
  ajv.addSchema({ $id: 'edgeq:components', $defs: defs });
  const patterns = Object.keys(doc.paths).map((p) => ({
    pattern: p,
    re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const operation = (method: string, path: string) => {
    const bare = path.split('?')[0]!;
    const hit = patterns.find((p) => p.re.test(bare));
    const op = hit && doc.paths[hit.pattern]?.[method.toLowerCase() as 'get'];
    return hit && op ? { pattern: hit.pattern, op } : undefined;
  };
  const cache = new Map<string, ReturnType<typeof ajv.compile>>();
  const compiled = (schema: JsonSchema) => {
    const key = JSON.stringify(schema);
    let v = cache.get(key);
    if (!v) {
      const ref = schema.$ref?.replace('#/components/schemas/', 'edgeq:components#/$defs/');
      v = ajv.compile(ref ? { $ref: ref } : schema);
      cache.set(key, v);
    }
    return v;
  };
  const resolve = (r: Response | { $ref: string }): Response =>
    '$ref' in r ? doc.components.responses[r.$ref.split('/').pop()!]! : r;
  return {
    ajv,
    operation,
    check(method, path, status, contentType, body) {
      const hit = operation(method, path);
      if (!hit) return [`${method} ${path}: not in the document`];
      const documented = hit.op.responses[String(status)];
      if (!documented) return [`${method} ${hit.pattern}: status ${status} is not documented`];
      const response = resolve(documented);
      const media = Object.keys(response.content ?? {});
      const type = contentType.split(';')[0]!.trim();
      if (!media.includes(type))
        return [`${method} ${hit.pattern} ${status}: ${type} not in ${media}`];
      const schema = response.content?.[type]?.schema;
      if (!schema || type !== 'application/json') return [];
      const validate = compiled(schema);
      if (validate(body)) return [];
      return (validate.errors ?? []).map(
        (e: { instancePath: string; message?: string; params: unknown }) =>
          `${method} ${hit.pattern} ${status}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
      );
    },
  };
}
