/**
 * The parts of OpenAPI 3.1 and JSON Schema 2020-12 that edgeq's document uses: what ./build.ts
 * writes and ./docs.tsx reads. Not a full model of either specification.
 */

/** A JSON Schema (2020-12) as zod's `toJSONSchema` writes it, or a `$ref` to a component. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: (string | number | boolean | null)[];
  const?: string | number | boolean | null;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  /** Keywords this model leaves out (`exclusiveMinimum`, ...), kept as zod wrote them. */
  [keyword: string]: unknown;
}

/** A body of one media type. */
export interface MediaType {
  schema: JsonSchema;
}

/** A path or query parameter. */
export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** One documented answer. */
export interface Response {
  description: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  /** edgeq's error codes a response of this status carries. */
  'x-error-codes'?: string[];
}

/** A `$ref` to a shared response (`#/components/responses/not_found`). */
export interface ResponseRef {
  $ref: string;
}

/** One method of one path. */
export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response | ResponseRef>;
  /** `[]` for routes without a token; absent means the document's default (bearer). */
  security?: Record<string, string[]>[];
  /** The right the bearer token needs: enqueue, consume or admin. */
  'x-edgeq-right'?: string;
}

/** The methods edgeq's routes use. */
export type Method = 'get' | 'post' | 'put' | 'delete';

/** The whole document. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags: { name: string; description?: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    /** One error response per code, shared by every operation that may answer it. */
    responses: Record<string, Response>;
    securitySchemes: Record<string, { type: string; scheme: string; description?: string }>;
  };
}
