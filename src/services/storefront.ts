// The public storefront: the shop is named by the request's host (a slug under the storefront
// domain, or a registered custom domain) and shows only its live, active products. Unknown hosts
// and suspended shops are the same 404.
import type { ServiceContext } from '../context.ts';
import { resolveDomain, resolveSlug } from '../db/crossTenant.ts';
import { notFound } from '../errors.ts';
import { getProduct, listProducts } from './products.ts';

export type ShopHost = { slug: string } | { domain: string };
export interface ShopScope {
  tenantId: string;
  mode: 'live';
}

export async function shopScope({ pool }: ServiceContext, shop: ShopHost | undefined): Promise<ShopScope> {
  const tenantId = !shop ? undefined : 'slug' in shop ? await resolveSlug(pool, shop.slug) : await resolveDomain(pool, shop.domain);
  if (!tenantId) throw notFound('no shop at this host');
  return { tenantId, mode: 'live' };
}

export const shopProducts = (services: ServiceContext, scope: ShopScope, page: { limit: number; startingAfter?: string }) =>
  listProducts(services, scope, { ...page, activeOnly: true });

export const shopProduct = (services: ServiceContext, scope: ShopScope, id: string) => getProduct(services, scope, id, { activeOnly: true });
