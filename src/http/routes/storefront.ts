// Public storefront reads (DESIGN §4): no credential, the shop comes from the Host header. Open to
// browsers (CORS), cacheable by browsers and CDNs for a minute, and rate-limited per client address.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { shopProduct, shopProducts, shopScope, type ShopScope } from '../../services/storefront.ts';
import { presentPublicProduct, PublicProduct } from '../../presenters/products.ts';
import { clientAddressKey, requestHost, shopHost } from '../../net/host.ts';
import { LIMITS, rateLimit } from '../../services/rateLimits.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import type { ServiceContext } from '../../context.ts';
import { route, type Reply } from '../route.ts';

// Rate-limited per client address (LIMITS.storefront, across processes), counted before the host
// lookup; a flood beyond the limit costs no database work (src/services/rateLimits.ts). Behind a
// trusted proxy ctx.ip is the address that proxy appended to X-Forwarded-For (src/http/app.ts).
async function shopFor(ctx: Context, services: ServiceContext): Promise<ShopScope> {
  await rateLimit(services, LIMITS.storefront, clientAddressKey(ctx.ip));
  const host = requestHost({ rawHeaders: ctx.req.rawHeaders, trustProxy: ctx.app.proxy, target: ctx.req.url ?? '' });
  const scope = await shopScope(services, shopHost(host, services.config.storefrontDomain));
  ctx.state.tenantId = scope.tenantId;
  return scope;
}

/** 200 with a strong ETag of the body, or 304 when the client already holds that body. */
function cacheable(ctx: Context, body: unknown): Reply {
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}"`;
  const headers = { etag, 'cache-control': 'public, max-age=60' };
  return matchesIfNoneMatch(ctx.get('if-none-match'), etag) ? { status: 304, headers } : { status: 200, body, headers };
}

/** RFC 9110 §13.1.2: `*` or a list of tags, compared weakly (a W/ prefix is ignored). */
function matchesIfNoneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

const tag = 'storefront';
const cached = 'ETag and Cache-Control: public, max-age=60; If-None-Match with the current ETag answers 304 without a body';

export const storefrontRoutes = [
  route({
    method: 'get', path: '/storefront/v1/products', summary: 'List the shop\'s active products (shop from the Host header)', tag, access: 'public', cors: true,
    query: ListQuery, response: { status: 200, schema: listOf(PublicProduct), description: cached }, errors: [404, 429],
    handle: async ({ query, http, services }) => {
      const scope = await shopFor(http, services);
      const rows = await shopProducts(services, scope, { limit: query.limit, startingAfter: query.starting_after });
      return cacheable(http, toPage(rows, query.limit, presentPublicProduct));
    },
  }),
  route({
    method: 'get', path: '/storefront/v1/products/:id', summary: 'Retrieve one of the shop\'s active products', tag, access: 'public', cors: true,
    response: { status: 200, schema: PublicProduct, description: cached }, errors: [400, 429],
    handle: async ({ params, http, services }) => {
      const scope = await shopFor(http, services);
      return cacheable(http, presentPublicProduct(await shopProduct(services, scope, params.id)));
    },
  }),
];
