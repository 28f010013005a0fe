// openapi-typescript's generator, run with its own TypeScript 5 (it builds its output with the
// TypeScript compiler API, which TypeScript 7, the project's compiler, no longer ships).
import openapiTS, { astToString } from 'openapi-typescript';

/** The TypeScript declarations (`paths`, `components`, `webhooks`, `operations`) of an OpenAPI document. */
export async function generateTypes(document) {
  return astToString(await openapiTS(document));
}
