// The storefront's edge: which shop a request is for (its Host, or a trusted proxy's
// X-Forwarded-Host), counted per client address first (LIMITS.storefront, across processes:
// src/services/rateLimits.ts), so a flood beyond the limit costs no database work. Reads and
// writes share one allowance; writes (carts, checkout) also have their own, smaller one. Behind a
// trusted proxy ctx.ip is the address that proxy appended to X-Forwarded-For (src/http/app.ts).
import type { Context } from 'koa';
import type { ServiceContext } from '../context.ts';
import { clientAddressKey, requestHost, shopHost } from '../net/host.ts';
import { LIMITS, rateLimit } from '../services/rateLimits.ts';
import { shopScope, type ShopScope } from '../services/storefront.ts';

export async function shopFor(ctx: Context, services: ServiceContext, write: boolean): Promise<ShopScope> {
  const client = clientAddressKey(ctx.ip);
  await rateLimit(services, LIMITS.storefront, client);
  if (write) await rateLimit(services, LIMITS.storefrontWrites, client);
  const host = requestHost({ rawHeaders: ctx.req.rawHeaders, trustProxy: ctx.app.proxy, target: ctx.req.url ?? '' });
  const scope = await shopScope(services, shopHost(host, services.config.storefrontDomain));
  ctx.state.tenantId = scope.tenantId;
  return scope;
}
