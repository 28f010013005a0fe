// The storefront's edge: which shop a request is for (its Host, or a trusted proxy's
// X-Forwarded-Host), counted per client address first, so a flood of unknown hosts costs no
// database work. Reads and writes share one allowance; writes (carts, checkout) also have their
// own, smaller one. Behind a trusted proxy ctx.ip is the address that proxy appended to
// X-Forwarded-For (src/http/app.ts).
import type { Context } from 'koa';
import type { ServiceContext } from '../context.ts';
import { clientAddressKey, requestHost, shopHost } from '../net/host.ts';
import { shopScope, type ShopScope } from '../services/storefront.ts';
import { RateLimiter } from './rateLimit.ts';

// Generous for browsing (a page may fetch a list and several products), tight for scrapers.
const requestsByAddress = new RateLimiter(300, 60_000);
// A shopper adds, changes and checks out a few times a minute; a script creating carts does more.
const writesByAddress = new RateLimiter(60, 60_000);

export async function shopFor(ctx: Context, services: ServiceContext, write: boolean): Promise<ShopScope> {
  const client = clientAddressKey(ctx.ip);
  requestsByAddress.hit(client);
  if (write) writesByAddress.hit(client);
  const host = requestHost({ rawHeaders: ctx.req.rawHeaders, trustProxy: ctx.app.proxy, target: ctx.req.url ?? '' });
  const scope = await shopScope(services, shopHost(host, services.config.storefrontDomain));
  ctx.state.tenantId = scope.tenantId;
  return scope;
}
