// A route is data: method, path, who may call it, the schemas of its input and output, and a
// handler that returns its reply as a value. The router and the OpenAPI document are both
// built from the same list, so what validates is what is documented.
import type Router from '@koa/router';
import type { Context as KoaContext } from 'koa';
import { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { badRequest, forbidden, validationFailed } from '../errors.ts';
import type { Auth } from '../services/credentials.ts';
import { idempotently } from '../services/idempotency.ts';
import { limitTenant } from '../services/rateLimits.ts';
import { authenticate, authenticateAdmin, requireAccess, type TenantAccess } from './auth.ts';
import { parseWith, pointer } from './schemas/validate.ts';

/**
 * Who may call a route:
 * - `public`: anyone (health, docs, storefront);
 * - `admin`: the operator token (HERALD_ADMIN_TOKEN);
 * - `{ role }`: a tenant credential whose role is at least `role`; `publishable: true` also lets
 *   publishable keys through (catalog reads).
 */
export type Access = 'public' | 'admin' | TenantAccess;

/** What a handler answers: status, body and headers, as a value. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Request<B, Q, A> {
  body: B;
  query: Q;
  params: Record<string, string>;
  auth: A;
  headers: KoaContext['headers'];
  /** The Koa context, for the few handlers that read the connection (client address, host). */
  http: KoaContext;
  services: ServiceContext;
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
  handle(req: Request<B, Q, AuthFor<X>>): Promise<Reply>;
}

/** Typed constructor: infers body and query types from the schemas. */
export function route<B = undefined, Q = undefined, X extends Access = Access>(r: Route<B, Q, X>): Route<B, Q, X> {
  return r;
}

const SCOPE_IDS = [['tenant_id', 'tenantId'], ['org_id', 'orgId']] as const;

/**
 * A `tenant_id` or `org_id` in the body or query that is not the credential's is a 403, before
 * any validation (DESIGN §1); the caller's own (in any case) is accepted and dropped.
 */
export function checkScopeIds(auth: Auth, body: unknown, query: Record<string, unknown>): unknown {
  const fields = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  for (const [name, own] of SCOPE_IDS) {
    for (const value of [query[name], fields?.[name]]) {
      if (value !== undefined && (typeof value !== 'string' || value.toLowerCase() !== auth[own])) {
        throw forbidden(`${name} does not match the credential`);
      }
    }
    delete query[name];
  }
  if (fields && SCOPE_IDS.some(([name]) => name in fields)) {
    const { tenant_id: _tenant, org_id: _org, ...rest } = fields;
    return rest;
  }
  return body;
}

export function mount(router: Router, routes: Route<any, any, any>[], services: ServiceContext): void {
  for (const r of routes) {
    router[r.method](r.path, async (ctx) => {
      ctx.state.route = r.path;
      const query: Record<string, unknown> = { ...ctx.query };
      let rawBody: unknown = ctx.request.body;
      let auth: Auth | undefined;
      if (r.access === 'admin') {
        await authenticateAdmin(ctx, services);
      } else if (r.access !== 'public') {
        auth = await authenticate(ctx, services);
        ctx.state.tenantId = auth.tenantId;
        auth.address = ctx.ip;
        await limitTenant(services, auth.tenantId);
        requireAccess(auth, r.access);
        rawBody = checkScopeIds(auth, rawBody, query);
      }
      if (!r.body && !r.ownBodyValidation && rawBody && typeof rawBody === 'object' && Object.keys(rawBody).length > 0) {
        throw validationFailed(Object.keys(rawBody).map((k) => ({ pointer: pointer([k]), detail: 'unknown field: this route takes no body' })));
      }
      // No body at all reads as {}; an explicit JSON null (or any non-object) fails validation.
      const body = r.body && !r.ownBodyValidation ? parseWith(r.body, rawBody === undefined ? {} : rawBody) : undefined;
      const parsedQuery = r.query ? parseWith(r.query, query, '/query') : undefined;
      const handle = () => r.handle({ body, query: parsedQuery, params: ctx.params, auth, headers: ctx.headers, http: ctx, services });
      // Every tenant POST honours Idempotency-Key: the handler then runs inside the key's transaction.
      const key = r.method === 'post' && auth ? ctx.get('idempotency-key') : '';
      if (key && r.showsSecret) throw badRequest('Idempotency-Key is not accepted here: the answer holds a secret that is shown once and never stored');
      const reply = key ? await idempotently(services, auth!, { key, orgId: auth!.orgId, method: ctx.method, path: ctx.path, body: rawBody }, handle) : await handle();
      ctx.status = reply.status;
      for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
      if (reply.body !== undefined) ctx.body = reply.body;
    });
  }
}
