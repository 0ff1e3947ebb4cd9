/**
 * Builds the OpenAPI 3.1 document from the route table (./table.ts) with zod 4's own JSON Schema
 * conversion (2020-12, the dialect OpenAPI 3.1 uses). Run at build time by
 * scripts/gen-openapi.mjs, which writes ./document.generated.ts; nothing at run time calls it.
 *
 * @example
 * const doc = buildDocument('0.1.0');
 * doc.paths['/v1/queues/{queue}/jobs'].post.requestBody; // { $ref: '#/components/schemas/EnqueueRequest' }
 */
import * as z from 'zod';
import { type ErrorCode, HTTP_STATUS } from '../errors.js';
import { FIELD_DOCS } from './fields.js';
import {
  GUARDED_ERRORS,
  PATH_PARAMS,
  REQUEST_SCHEMAS,
  RESPONSE_SCHEMAS,
  ROUTES,
  type RouteSpec,
  TAGS,
} from './table.js';
import type {
  JsonSchema,
  Method,
  OpenApiDocument,
  Operation,
  Parameter,
  Response,
  ResponseRef,
} from './types.js';

const REF = '#/components/schemas/';

/** What each error code means, for the error responses' descriptions. */
const ERROR_DOCS: Record<ErrorCode, string> = {
  invalid_request: 'the request is not valid; `field` names what failed',
  unauthorized: 'no bearer token, or not a configured one',
  forbidden: 'the token lacks the right, or the queue is outside its queue list',
  not_found: 'no such job, schedule, binding or handler in the token\u2019s namespace',
  lease_lost:
    'the lease token does not hold the job: it expired, was reclaimed or the job is finished',
  conflict: 'the job or queue is in a state that forbids this',
  payload_too_large: 'the body is larger than the limit (1 MiB by default)',
  rate_limited: 'the token is over its rate: retry after `Retry-After` seconds',
  driver_unavailable: 'the store failed or could not be reached; nothing unacknowledged was stored',
  internal: 'an unexpected error; the operator\u2019s log has the cause',
};

const DESCRIPTION = [
  'A serverless, edge-native job queue: enqueue, claim (a lease) and ack over HTTP.',
  '',
  'Every `/v1` route and `/metrics` need `Authorization: Bearer <token>`; each operation names the right its token needs (`x-edgeq-right`). Bodies are JSON and unknown fields are rejected. Errors are `{"error":{"code","message","field?"}}` with a stable `code`. Every response carries `X-Request-Id` (the caller\u2019s, when it sent a short safe one), which the server\u2019s log lines carry too.',
].join('\n');

/**
 * zod's output, fitted to a component: no `$schema` / `$id`, and the description of the field
 * it sits at (`at` is `Component.path`, `field` the last name) unless `described` already.
 */
function tidy(schema: JsonSchema, at: string, field?: string, described = false): JsonSchema {
  const out: JsonSchema = { ...schema };
  delete out.$schema;
  delete out.$id;
  // zod spells out its ISO 8601 check as a 400-character regex; the format says the same.
  if (out.format === 'date-time') delete out.pattern;
  const text = FIELD_DOCS[at] ?? (field === undefined ? undefined : FIELD_DOCS[field]);
  if (text && !described && out.description === undefined) out.description = text;
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, tidy(v, `${at}.${k}`, k)]),
    );
  }
  // Items and alternatives share the field's meaning: it is described once, on the field.
  if (out.items) out.items = tidy(out.items, at, field, true);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alternatives = out[key];
    if (alternatives) out[key] = alternatives.map((a) => tidy(a, at, field, true));
  }
  return out;
}

/** One registry's components: `$ref`s between them point into `#/components/schemas`. */
function components(
  schemas: Record<string, z.core.$ZodType>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `${REF}${id}`,
  });
  return Object.fromEntries(
    Object.entries(out.schemas).map(([id, s]) => [id, tidy(s as JsonSchema, id)]),
  );
}

function jsonSchemaOf(schema: z.core.$ZodType, io: 'input' | 'output', at: string): JsonSchema {
  return tidy(z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema, at);
}

/** Hono's `/v1/jobs/:id` as OpenAPI's `/v1/jobs/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** The error codes a route may answer: its own, and those its shape implies. */
export function errorCodes(route: RouteSpec): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const params = route.path.includes('/:');
  if (params || route.body || route.query) codes.add('invalid_request');
  if (route.right !== 'public') for (const c of GUARDED_ERRORS) codes.add(c);
  if (route.body) codes.add('payload_too_large');
  if (route.right !== 'public' && !route.storeless) codes.add('driver_unavailable');
  for (const c of route.errors ?? []) codes.add(c);
  return [...codes].sort((a, b) => HTTP_STATUS[a] - HTTP_STATUS[b] || a.localeCompare(b));
}

function parameters(route: RouteSpec): Parameter[] {
  const out: Parameter[] = [];
  for (const [, name] of route.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const schema = PATH_PARAMS[name as keyof typeof PATH_PARAMS];
    if (!schema) throw new Error(`${route.path}: no schema for path parameter ${name}`);
    out.push({
      name: name!,
      in: 'path',
      required: true,
      description: name === 'id' ? FIELD_DOCS.id : `The ${name} name.`,
      schema: jsonSchemaOf(schema, 'input', `param.${name}`),
    });
  }
  if (route.query) {
    const q = jsonSchemaOf(route.query, 'input', `${route.operationId}.query`);
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: 'query',
        required: q.required?.includes(name) ?? false,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

/** The shared response of one error code (`components.responses[code]`). */
function errorResponse(code: ErrorCode): Response {
  const response: Response = {
    description: `\`${code}\`: ${ERROR_DOCS[code]}.`,
    content: { 'application/json': { schema: { $ref: `${REF}Error` } } },
    'x-error-codes': [code],
  };
  if (code === 'rate_limited') {
    response.headers = {
      'Retry-After': {
        description: 'Seconds until the token may send again.',
        schema: { type: 'integer', minimum: 1 },
      },
    };
  }
  return response;
}

function responses(route: RouteSpec): Record<string, Response | ResponseRef> {
  const out: Record<string, Response | ResponseRef> = {};
  for (const r of route.responses) {
    const key = String(r.status);
    if (out[key]) {
      // Two outcomes with one status (none today) would need one schema for both.
      throw new Error(`${route.path}: two responses with status ${key}`);
    }
    if (r.schema) {
      out[key] = {
        description: r.description,
        content: { 'application/json': { schema: { $ref: `${REF}${r.schema}` } } },
      };
    } else {
      const schema: JsonSchema =
        r.mediaType === 'application/json' ? { type: 'object' } : { type: 'string' };
      out[key] = {
        description: r.description,
        content: { [r.mediaType ?? 'text/plain']: { schema } },
      };
    }
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(route)) {
    byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  }
  for (const [status, codes] of byStatus) {
    // One code per status is a shared response; two (409: lease_lost and conflict) get their own.
    out[String(status)] =
      codes.length === 1
        ? { $ref: `#/components/responses/${codes[0]}` }
        : {
            ...errorResponse(codes[0]!),
            description: codes.map((c) => `\`${c}\`: ${ERROR_DOCS[c]}.`).join(' '),
            'x-error-codes': codes,
          };
  }
  return out;
}

function operation(route: RouteSpec): Operation {
  const notes: string[] = [];
  if (route.description) notes.push(route.description);
  if (route.right !== 'public') {
    notes.push(`Needs a token with the \`${route.right}\` right.`);
  }
  if (route.path.includes('/:queue')) {
    notes.push('A token with a queue list may use only the queues in it.');
  }
  const op: Operation = {
    operationId: route.operationId,
    summary: route.summary,
    description: notes.join(' '),
    tags: [route.tag],
    responses: responses(route),
  };
  const params = parameters(route);
  if (params.length) op.parameters = params;
  if (route.body) {
    op.requestBody = {
      required: route.body.required,
      content: { 'application/json': { schema: { $ref: `${REF}${route.body.schema}` } } },
    };
  }
  if (route.right === 'public') op.security = [];
  else op['x-edgeq-right'] = route.right;
  return op;
}

/** The whole document. `version` is the package's. */
export function buildDocument(version: string): OpenApiDocument {
  const requests = components(REQUEST_SCHEMAS, 'input');
  const answers = components(RESPONSE_SCHEMAS, 'output');
  const clash = Object.keys(requests).find((id) => id in answers);
  if (clash) throw new Error(`component ${clash} is both a request and a response schema`);
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    const path = openApiPath(route.path);
    const method = route.method.toLowerCase() as Method;
    const item = paths[path] ?? {};
    paths[path] = item;
    if (item[method]) throw new Error(`${route.method} ${route.path} is listed twice`);
    item[method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'edgeq', version, description: DESCRIPTION },
    tags: TAGS.map((t) => ({ ...t })),
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: { ...requests, ...answers },
      responses: Object.fromEntries(
        (Object.keys(ERROR_DOCS) as ErrorCode[]).map((code) => [code, errorResponse(code)]),
      ),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            '`EDGEQ_TOKEN` (admin of namespace `default`) or a scoped token from `EDGEQ_TOKENS`.',
        },
      },
    },
  };
}
