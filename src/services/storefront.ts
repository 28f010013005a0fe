// The public storefront: the shop is named by the request's host (a slug under the storefront
// domain, or a registered custom domain) and shows only its live, active products. Unknown hosts
// and suspended shops are the same 404.
import { resolveDomain, resolveSlug } from '../db/domains.ts';
import type { Pool } from '../db/pool.ts';
import { notFound } from '../errors.ts';
import { getProduct, listProducts } from './products.ts';

export type ShopHost = { slug: string } | { domain: string };
export interface ShopScope {
  tenantId: string;
  mode: 'live';
}

export async function shopScope(pool: Pool, shop: ShopHost | undefined): Promise<ShopScope> {
  const tenantId = !shop ? undefined : 'slug' in shop ? await resolveSlug(pool, shop.slug) : await resolveDomain(pool, shop.domain);
  if (!tenantId) throw notFound('no shop at this host');
  return { tenantId, mode: 'live' };
}

export const shopProducts = (pool: Pool, scope: ShopScope, page: { limit: number; startingAfter?: string }) =>
  listProducts(pool, scope, { ...page, activeOnly: true });

export const shopProduct = (pool: Pool, scope: ShopScope, id: string) => getProduct(pool, scope, id, { activeOnly: true });
