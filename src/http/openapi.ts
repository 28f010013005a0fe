// The OpenAPI 3.1 document, generated from the route list and the same zod schemas that validate.
import { z } from 'zod';
import { Problem } from './schemas/common.ts';
import type { Route } from './route.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed or invalid request', 401: 'Missing or invalid credential', 403: 'Not allowed for this credential',
  404: 'No such resource', 405: 'Method not allowed', 409: 'Conflict', 413: 'Body too large', 415: 'Body is not JSON (or not an accepted upload type)',
  422: 'Unprocessable reference or state', 429: 'Rate limited', 503: 'Not ready',
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;

function withoutDialect(schema: Record<string, unknown>) {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

export function openApiDocument(routes: Route<any, any, any>[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const q = withoutDialect(jsonSchema(r.query, 'input')) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    const binary = (types: string[]) => Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));
    const responses: Record<string, unknown> = {
      [r.response.status]: {
        description: r.response.description ?? 'Success',
        ...(r.response.schema ? { content: { 'application/json': { schema: withoutDialect(jsonSchema(r.response.schema, 'output')) } } } : {}),
        ...(r.response.binary ? { content: binary(r.response.binary) } : {}),
      },
    };
    const credentialless = r.access === 'public' || r.access === 'shop';
    const errorStatuses = new Set<number>([
      ...(credentialless ? [] : [401, 403]), ...(r.access === 'shop' ? [404, 429] : []), ...(r.body || r.query ? [400] : []),
      ...(r.path.includes(':') ? [404] : []), ...(r.errors ?? []),
    ]);
    if (r.body) { errorStatuses.add(413); errorStatuses.add(415); }
    for (const status of [...errorStatuses].sort()) {
      responses[status] = { description: STATUS_TEXT[status] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
    const security = credentialless ? [] : r.access === 'admin' ? [{ adminToken: [] }] : [{ bearer: [] }];
    const requestContent = r.body ? { 'application/json': { schema: withoutDialect(jsonSchema(r.body, 'input')) }, ...binary(r.upload?.types ?? []) } : undefined;
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security,
      ...(parameters.length ? { parameters } : {}),
      ...(requestContent ? { requestBody: { required: r.method !== 'patch', content: requestContent } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Herald API', version, description: 'Multi-tenant commerce resources with transactional webhooks.' },
    paths,
    components: {
      schemas: { Problem: withoutDialect(jsonSchema(Problem, 'output')) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Secret key (hk_…), publishable key (pk_…) or JWT access token' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'HERALD_ADMIN_TOKEN' },
      },
    },
  };
}
