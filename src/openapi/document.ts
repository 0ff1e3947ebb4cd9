/**
 * The generated OpenAPI document (./document.generated.ts): its JSON text, as served, and the
 * parsed object for the reference page and for tests.
 *
 * @example
 * openApiDocument().paths['/v1/queues/{queue}/claim']?.post?.operationId; // 'claim'
 */
import { OPENAPI_JSON } from './document.generated.js';
import type { OpenApiDocument } from './types.js';

/** The document's JSON text, served as it is by `GET /openapi.json`. */
export { OPENAPI_JSON };

let parsed: OpenApiDocument | undefined;

/** The document as an object, parsed on first use (the JSON text is what a Worker carries). */
export function openApiDocument(): OpenApiDocument {
  parsed ??= JSON.parse(OPENAPI_JSON) as OpenApiDocument;
  return parsed;
}
