// A route is data: method, path, who may call it, the schemas of its input and output, and a
// handler that returns its outcome as a value. The router and the OpenAPI document are both
// built from the same list, so what validates is what is documented.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { badRequest, forbidden, validationFailed, type FieldError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Auth, Role } from '../services/credentials.ts';
import { idempotently } from '../services/idempotency.ts';
import { authenticate, authenticateAdmin, requireAccess } from './auth.ts';

/** What every route handler may use. Extended by later capabilities (queue, metrics, ...). */
export interface Deps {
  config: Config;
  pool: Pool;
  logger: Logger;
  /** The job queue, for routes that enqueue work (e.g. a delivery retry). */
  boss?: PgBoss;
}

/**
 * Who may call a route:
 * - `public`: anyone (health, docs, storefront);
 * - `admin`: the operator token (HERALD_ADMIN_TOKEN);
 * - `{ role }`: a tenant credential whose role is at least `role`; `publishable: true` also lets
 *   publishable keys through (catalog reads); `token: true` marks the token-issuing route, which
 *   does its own authentication.
 */
export type Access = 'public' | 'admin' | { role: Role; publishable?: boolean };

export interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Request<B, Q, A> {
  body: B;
  query: Q;
  params: Record<string, string>;
  auth: A;
  headers: Context['headers'];
  ctx: Context;
  deps: Deps;
}

type AuthFor<X extends Access> = X extends 'public' | 'admin' ? undefined : Auth;

export interface Route<B = unknown, Q = unknown, X extends Access = Access> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: X;
  body?: z.ZodType<B>;
  /** The handler validates the body itself (it depends on the credential); `body` documents it. */
  ownBodyValidation?: boolean;
  query?: z.ZodType<Q>;
  /** Success status and schema of its body, for the OpenAPI document. */
  response: { status: number; schema?: z.ZodType; description?: string };
  /** Other statuses this route documents beside the common ones (400, 401, 403, 404, ...). */
  errors?: number[];
  /** Browsers may call it from any origin (src/http/cors.ts); publishable-key routes are open anyway. */
  cors?: boolean;
  /** Its answer shows a secret once (a new API key): never stored for replay, so Idempotency-Key is refused. */
  showsSecret?: boolean;
  handle(req: Request<B, Q, AuthFor<X>>): Promise<Outcome>;
}

/** Typed constructor: infers body and query types from the schemas. */
export function route<B = undefined, Q = undefined, X extends Access = Access>(r: Route<B, Q, X>): Route<B, Q, X> {
  return r;
}

export function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    let path: PropertyKey[] = issue.path;
    let detail = issue.message;
    // Unknown fields are reported at their own pointer.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ pointer: prefix + pointer([...path, k]), detail: 'unknown field' }));
    }
    return [{ pointer: prefix + pointer(path), detail }];
  }).flat();
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (!result.success) throw validationFailed(fieldErrors(result.error, prefix));
  return result.data;
}

/** Routes answer tenant_id mismatches with 403 before any validation (DESIGN §1). */
export function checkTenantId(auth: Auth, body: unknown, query: Record<string, unknown>): unknown {
  const named = [query.tenant_id, body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).tenant_id : undefined];
  for (const value of named) {
    if (value !== undefined && value !== auth.tenantId) throw forbidden('tenant_id does not match the credential');
  }
  delete query.tenant_id;
  if (body && typeof body === 'object' && !Array.isArray(body) && 'tenant_id' in body) {
    const { tenant_id: _ignored, ...rest } = body as Record<string, unknown>;
    return rest;
  }
  return body;
}

export function mount(router: Router, routes: Route<any, any, any>[], deps: Deps): void {
  for (const r of routes) {
    router[r.method](r.path, async (ctx) => {
      ctx.state.route = r.path;
      const query: Record<string, unknown> = { ...ctx.query };
      let rawBody: unknown = ctx.request.body;
      let auth: Auth | undefined;
      if (r.access === 'admin') {
        authenticateAdmin(ctx, deps.config);
      } else if (r.access !== 'public') {
        auth = await authenticate(ctx, deps);
        ctx.state.tenantId = auth.tenantId;
        requireAccess(auth, r.access);
        rawBody = checkTenantId(auth, rawBody, query);
      }
      if (!r.body && !r.ownBodyValidation && rawBody && typeof rawBody === 'object' && Object.keys(rawBody).length > 0) {
        throw validationFailed(Object.keys(rawBody).map((k) => ({ pointer: pointer([k]), detail: 'unknown field: this route takes no body' })));
      }
      // No body at all reads as {}; an explicit JSON null (or any non-object) fails validation.
      const body = r.body && !r.ownBodyValidation ? parseWith(r.body, rawBody === undefined ? {} : rawBody) : undefined;
      const parsedQuery = r.query ? parseWith(r.query, query, '/query') : undefined;
      const handle = () => r.handle({ body, query: parsedQuery, params: ctx.params, auth, headers: ctx.headers, ctx, deps });
      // Every tenant POST honours Idempotency-Key: the handler then runs inside the key's transaction.
      const key = r.method === 'post' && auth ? ctx.get('idempotency-key') : '';
      if (key && r.showsSecret) throw badRequest('Idempotency-Key is not accepted here: the answer holds a secret that is shown once and never stored');
      const outcome = key ? await idempotently(deps.pool, auth!, { key, method: ctx.method, path: ctx.path, body: rawBody }, handle) : await handle();
      ctx.status = outcome.status;
      for (const [k, v] of Object.entries(outcome.headers ?? {})) ctx.set(k, v);
      if (outcome.body !== undefined) ctx.body = outcome.body;
    });
  }
}
