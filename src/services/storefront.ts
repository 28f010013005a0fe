// The public storefront: the shop is named by the request's host (a slug under the storefront
// domain, or a registered custom domain) and shows only its live data: active products and their
// images, published pages and posts, the public part of its settings. Unknown hosts and
// suspended shops are the same 404. Carts and checkout are in src/services/carts.ts.
import type { ServiceContext } from '../context.ts';
import { resolveDomain, resolveSlug } from '../db/crossTenant.ts';
import { notFound } from '../errors.ts';
import { publishedContent, publishedPosts } from './content.ts';
import { imageContent } from './images.ts';
import { renderMarkdown } from './markdown.ts';
import { getProduct, listProducts } from './products.ts';
import { getSettings } from './settings.ts';

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

/** An uploaded image of an active product. */
export const shopImage = (services: ServiceContext, scope: ShopScope, id: string) => imageContent(services, scope, id, { activeOnly: true });

export const shopSettings = (services: ServiceContext, scope: ShopScope) => getSettings(services, scope);

/** A published page or post with its Markdown rendered (raw HTML is not passed through). */
export async function shopContent(services: ServiceContext, scope: ShopScope, kind: 'pages' | 'posts', handle: string) {
  const row = await publishedContent(services, scope, kind, handle);
  return { row, html: renderMarkdown(row.body) };
}

export async function shopPosts(services: ServiceContext, scope: ShopScope, page: { limit: number; startingAfter?: string; tag?: string }) {
  return (await publishedPosts(services, scope, page)).map((row) => ({ id: row.id, row, html: renderMarkdown(row.body) }));
}
