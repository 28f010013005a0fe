// The storefront (DESIGN §4): no credential, the shop comes from the Host header (access 'shop':
// src/http/shop.ts), live mode, open to browsers (CORS), rate-limited per client address.
// Catalog and content reads are cacheable by browsers and CDNs for a minute; carts are private
// to whoever holds their token (cart-token header) and never cached.
import { addCartItem, completeCheckout, createCart, createCheckout, getHeldCart, removeCartItem, setCartItemQuantity } from '../../services/carts.ts';
import { shopContent, shopImage, shopPosts, shopProduct, shopProducts, shopSettings } from '../../services/storefront.ts';
import { Cart, Checkout, CompletedCheckout, NewCartAnswer, presentCart, presentCheckout, presentCompletedCheckout } from '../../presenters/carts.ts';
import { presentPublicPage, presentPublicPost, PublicPage, PublicPost } from '../../presenters/content.ts';
import { presentPublicProduct, PublicProduct } from '../../presenters/products.ts';
import { presentShop, Shop } from '../../presenters/settings.ts';
import { conditional } from '../caching.ts';
import { CartItemPatch, CartLine, NewCart, NewCheckout } from '../schemas/carts.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { PublishedPostQuery } from '../schemas/content.ts';
import type { Context } from 'koa';
import { route } from '../route.ts';
import { IMAGE_UPLOAD, imageHeaders } from './images.ts';

const tag = 'storefront';
const access = 'shop';
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=60' };
const PRIVATE = { 'cache-control': 'no-store' };
const cached = 'ETag and Cache-Control: public, max-age=60; If-None-Match with the current ETag answers 304 without a body';
const held = 'The cart-token header must hold the token given when the cart was created: a missing or wrong token is a 404, like an unknown cart';

/** 200 with a strong ETag of the body and a minute of public caching, or 304. */
const cacheable = (http: Context, body: unknown) => conditional(http.get('if-none-match'), body, PUBLIC_CACHE);
const token = (http: Context) => http.get('cart-token') || undefined;

export const storefrontRoutes = [
  route({
    method: 'get', path: '/storefront/v1/products', summary: 'List the shop\'s active products (shop from the Host header)', tag, access,
    query: ListQuery, response: { status: 200, schema: listOf(PublicProduct), description: cached }, conditional: true,
    handle: async ({ query, auth, http, services }) => {
      const rows = await shopProducts(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return cacheable(http, toPage(rows, query.limit, presentPublicProduct));
    },
  }),
  route({
    method: 'get', path: '/storefront/v1/products/:id', summary: 'Retrieve one of the shop\'s active products', tag, access,
    response: { status: 200, schema: PublicProduct, description: cached }, conditional: true, errors: [400],
    handle: async ({ params, auth, http, services }) => cacheable(http, presentPublicProduct(await shopProduct(services, auth, params.id))),
  }),
  route({
    method: 'get', path: '/storefront/v1/images/:id', summary: 'An uploaded image of one of the shop\'s active products', tag, access,
    response: { status: 200, binary: IMAGE_UPLOAD.types, description: cached }, conditional: true,
    handle: async ({ params, auth, http, services }) => {
      const image = await shopImage(services, auth, params.id);
      return conditional(http.get('if-none-match'), image.bytes, imageHeaders(image.contentType, PUBLIC_CACHE['cache-control']), image.etag);
    },
  }),
  route({
    method: 'get', path: '/storefront/v1/shop', summary: 'The shop\'s public settings (name, currency, time zone, locale, support email)', tag, access,
    response: { status: 200, schema: Shop, description: cached }, conditional: true,
    handle: async ({ auth, http, services }) => cacheable(http, presentShop(await shopSettings(services, auth))),
  }),
  route({
    method: 'get', path: '/storefront/v1/pages/:handle', summary: 'A published page, its Markdown rendered as body_html', tag, access,
    response: { status: 200, schema: PublicPage, description: cached }, conditional: true,
    handle: async ({ params, auth, http, services }) => {
      const { row, html } = await shopContent(services, auth, 'pages', params.handle);
      return cacheable(http, presentPublicPage(row, html));
    },
  }),
  route({
    method: 'get', path: '/storefront/v1/posts', summary: 'Published blog posts, most recently published first (optionally with a tag)', tag, access,
    query: PublishedPostQuery, response: { status: 200, schema: listOf(PublicPost), description: cached }, conditional: true,
    handle: async ({ query, auth, http, services }) => {
      const rows = await shopPosts(services, auth, { limit: query.limit, startingAfter: query.starting_after, tag: query.tag });
      return cacheable(http, toPage(rows, query.limit, (r) => presentPublicPost(r.row, r.html)));
    },
  }),
  route({
    method: 'get', path: '/storefront/v1/posts/:handle', summary: 'A published blog post, its Markdown rendered as body_html', tag, access,
    response: { status: 200, schema: PublicPost, description: cached }, conditional: true,
    handle: async ({ params, auth, http, services }) => {
      const { row, html } = await shopContent(services, auth, 'posts', params.handle);
      return cacheable(http, presentPublicPost(row, html));
    },
  }),
  route({
    method: 'post', path: '/storefront/v1/carts', summary: 'Create a cart; its token (shown once) is the cart-token for every later request', tag, access,
    body: NewCart, response: { status: 201, schema: NewCartAnswer }, errors: [422], ignoresIdempotencyKey: true,
    handle: async ({ body, auth, services }) => {
      const { cart, token } = await createCart(services, auth, body);
      return { status: 201, body: { ...presentCart(cart), token }, headers: PRIVATE };
    },
  }),
  route({
    method: 'get', path: '/storefront/v1/carts/:id', summary: 'Retrieve a cart', tag, access,
    response: { status: 200, schema: Cart, description: held }, cartToken: true,
    handle: async ({ params, auth, http, services }) => ({ status: 200, body: presentCart(await getHeldCart(services, auth, params.id, token(http))), headers: PRIVATE }),
  }),
  route({
    method: 'post', path: '/storefront/v1/carts/:id/items', summary: 'Add a variant to the cart (at most 50 lines, 1–999 each; the same variant adds to its line)',
    tag, access, body: CartLine, response: { status: 201, schema: Cart, description: held }, cartToken: true, errors: [409, 422],
    handle: async ({ params, body, auth, http, services }) => ({ status: 201, body: presentCart(await addCartItem(services, auth, params.id, token(http), body)), headers: PRIVATE }),
  }),
  route({
    method: 'patch', path: '/storefront/v1/carts/:id/items/:item_id', summary: 'Change a line\'s quantity (1–999)', tag, access, body: CartItemPatch,
    response: { status: 200, schema: Cart, description: held }, cartToken: true, errors: [409, 422],
    handle: async ({ params, body, auth, http, services }) => ({
      status: 200, body: presentCart(await setCartItemQuantity(services, auth, params.id, token(http), params.item_id, body.quantity)), headers: PRIVATE,
    }),
  }),
  route({
    method: 'delete', path: '/storefront/v1/carts/:id/items/:item_id', summary: 'Remove a line from the cart', tag, access,
    response: { status: 204, description: held }, cartToken: true, errors: [409],
    handle: async ({ params, auth, http, services }) => {
      await removeCartItem(services, auth, params.id, token(http), params.item_id);
      return { status: 204, headers: PRIVATE };
    },
  }),
  route({
    method: 'post', path: '/storefront/v1/carts/:id/checkout', summary: 'Check out the cart: a checkout quoting its totals for 24 hours', tag, access,
    body: NewCheckout, response: { status: 201, schema: Checkout, description: held }, cartToken: true, errors: [409, 422],
    handle: async ({ params, body, auth, http, services }) => ({
      status: 201, body: presentCheckout(await createCheckout(services, auth, params.id, token(http), body)), headers: PRIVATE,
    }),
  }),
  route({
    method: 'post', path: '/storefront/v1/checkouts/:id/complete',
    summary: 'Complete a checkout: a pending order that holds its stock and coupon (409 when short, expired or already completed)', tag, access,
    response: { status: 200, schema: CompletedCheckout, description: `${held} (the checkout's cart's token)` },
    errors: [409], cartToken: true,
    handle: async ({ params, auth, http, services }) => {
      const { checkout, order } = await completeCheckout(services, auth, params.id, token(http));
      return { status: 200, body: presentCompletedCheckout(checkout, order), headers: PRIVATE };
    },
  }),
];
