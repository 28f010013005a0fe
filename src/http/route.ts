// A route is data: method, path, who may call it, the schemas of its input and output, and a
// handler that returns its reply as a value. The router and the OpenAPI document are both
// built from the same list, so what validates is what is documented.
import type Router from '@koa/router';
import type { Context as KoaContext } from 'koa';
import { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { createHash } from 'node:crypto';
import { badRequest, forbidden, unsupportedMediaType, validationFailed } from '../errors.ts';
import type { Auth } from '../services/credentials.ts';
import { cartScopedKey, idempotently } from '../services/idempotency.ts';
import { limitTenant } from '../services/rateLimits.ts';
import type { ShopScope } from '../services/storefront.ts';
import type { TenantScope } from '../scope.ts';
import { authenticate, authenticateAdmin, requireAccess, type TenantAccess } from './auth.ts';
import { readUpload, type Upload } from './middleware.ts';
import { shopFor } from './shop.ts';
import { parseWith, pointer } from './schemas/validate.ts';

/**
 * Who may call a route:
 * - `public`: anyone (health, docs);
 * - `shop`: anyone, for the shop named by the Host header, in live mode (the storefront:
 *   rate-limited per client address, open to browsers; an Idempotency-Key is scoped to the
 *   request's cart-token);
 * - `admin`: the operator token (HERALD_ADMIN_TOKEN);
 * - `{ role }`: a tenant credential whose role is at least `role`; `publishable: true` also lets
 *   publishable keys through (catalog reads).
 */
export type Access = 'public' | 'shop' | 'admin' | TenantAccess;

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
  /** The body of a route that takes uploads, when it came as one of its types instead of JSON. */
  upload?: Upload;
  /** The Koa context, for the few handlers that read the connection (client address, host). */
  http: KoaContext;
  services: ServiceContext;
}

type AuthFor<X extends Access> = X extends 'shop' ? ShopScope : X extends 'public' | 'admin' ? undefined : Auth;

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
  /** The body may also be raw bytes of one of `types` (at most `maxBytes`), given to the handler as `upload`. */
  upload?: { types: string[]; maxBytes: number };
  /** Success status and schema of its body, for the OpenAPI document; `binary`: the media types of a bytes answer. */
  response: { status: number; schema?: z.ZodType; description?: string; binary?: string[] };
  /** Other statuses this route documents beside the common ones (400, 401, 403, 404, ...). */
  errors?: number[];
  /** Browsers may call it from any origin (src/http/cors.ts); publishable-key routes are open anyway. */
  cors?: boolean;
  /** Its answer shows a secret once (a new API key): never stored for replay, so Idempotency-Key is refused. */
  showsSecret?: boolean;
  /** Idempotency-Key is ignored (storefront cart creation: there is no cart token yet to scope it to). */
  ignoresIdempotencyKey?: boolean;
  /** For the OpenAPI document: the answer carries an ETag and If-None-Match gets a 304 (src/http/caching.ts). */
  conditional?: boolean;
  /** For the OpenAPI document: the cart-token header is required (a storefront cart's routes). */
  cartToken?: boolean;
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
      // jsonBody left a body of another type unread: only a route taking uploads reads it.
      const unread = ctx.state.unreadBody as string | undefined;
      if (unread !== undefined && !r.upload) throw unsupportedMediaType('request bodies must be application/json');
      let rawBody: unknown = ctx.request.body;
      let auth: Auth | ShopScope | undefined;
      if (r.access === 'admin') {
        await authenticateAdmin(ctx, services);
      } else if (r.access === 'shop') {
        auth = await shopFor(ctx, services, r.method !== 'get');
      } else if (r.access !== 'public') {
        const credential = await authenticate(ctx, services);
        auth = credential;
        ctx.state.tenantId = credential.tenantId;
        credential.address = ctx.ip;
        await limitTenant(services, credential.tenantId);
        requireAccess(credential, r.access);
        rawBody = checkScopeIds(credential, rawBody, query);
      }
      const upload = unread !== undefined && r.upload ? await readUpload(ctx, unread, r.upload) : undefined;
      if (!r.body && !r.ownBodyValidation && rawBody && typeof rawBody === 'object' && Object.keys(rawBody).length > 0) {
        throw validationFailed(Object.keys(rawBody).map((k) => ({ pointer: pointer([k]), detail: 'unknown field: this route takes no body' })));
      }
      // No body at all reads as {}; an explicit JSON null (or any non-object) fails validation.
      const body = r.body && !r.ownBodyValidation && !upload ? parseWith(r.body, rawBody === undefined ? {} : rawBody) : undefined;
      const parsedQuery = r.query ? parseWith(r.query, query, '/query') : undefined;
      const handle = () => r.handle({ body, query: parsedQuery, params: ctx.params, auth, headers: ctx.headers, upload, http: ctx, services });
      const keyed = r.method === 'post' && !r.ignoresIdempotencyKey ? idempotencyKey(ctx, r.access, auth) : undefined;
      if (keyed && r.showsSecret) throw badRequest('Idempotency-Key is not accepted here: the answer holds a secret that is shown once and never stored');
      // An upload is fingerprinted by its type, digest and query (alt, position), not its bytes.
      const fingerprinted = upload ? { content_type: upload.contentType, sha256: createHash('sha256').update(upload.bytes).digest('hex'), query } : rawBody;
      const reply = keyed
        ? await idempotently(services, keyed.scope, { key: keyed.key, orgId: keyed.orgId, method: ctx.method, path: ctx.path, body: fingerprinted }, handle)
        : await handle();
      ctx.status = reply.status;
      for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
      if (reply.body !== undefined) ctx.body = reply.body;
    });
  }
}

/**
 * Every tenant POST honours Idempotency-Key (fingerprinted with the caller's organization), and
 * so does every storefront POST made with a cart-token (the key is then scoped to that token: two
 * shoppers' carts never share a key; there is no organization). The handler then runs inside the
 * key's transaction.
 */
function idempotencyKey(
  ctx: KoaContext, access: Access, auth: Auth | ShopScope | undefined,
): { scope: TenantScope; key: string; orgId: string | null } | undefined {
  const key = ctx.get('idempotency-key');
  if (!key || !auth) return undefined;
  if (access !== 'shop') return { scope: auth, key, orgId: 'orgId' in auth ? auth.orgId : null };
  const token = ctx.get('cart-token');
  return token ? { scope: auth, key: cartScopedKey(token, key), orgId: null } : undefined;
}
