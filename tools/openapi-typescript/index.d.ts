/** The TypeScript declarations (`paths`, `components`, `webhooks`, `operations`) of an OpenAPI document. */
export function generateTypes(document: object): Promise<string>;
