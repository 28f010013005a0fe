// The merchant's view of carts and checkouts (secret keys and tokens; shoppers use the storefront).
import { getCart, getCheckout, listCarts, listCheckouts } from '../../services/carts.ts';
import { Cart, Checkout, presentCart, presentCheckout } from '../../presenters/carts.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { route } from '../route.ts';

const read = { role: 'viewer' } as const;

export const cartRoutes = [
  route({
    method: 'get', path: '/v1/carts', summary: 'List the storefront\'s carts (live mode)', tag: 'carts', access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Cart) },
    handle: async ({ query, auth, services }) => {
      const rows = await listCarts(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentCart) };
    },
  }),
  route({
    method: 'get', path: '/v1/carts/:id', summary: 'Retrieve a cart', tag: 'carts', access: read,
    response: { status: 200, schema: Cart },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentCart(await getCart(services, auth, params.id)) }),
  }),
  route({
    method: 'get', path: '/v1/checkouts', summary: 'List the storefront\'s checkouts (live mode)', tag: 'checkouts', access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Checkout) },
    handle: async ({ query, auth, services }) => {
      const rows = await listCheckouts(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentCheckout) };
    },
  }),
  route({
    method: 'get', path: '/v1/checkouts/:id', summary: 'Retrieve a checkout', tag: 'checkouts', access: read,
    response: { status: 200, schema: Checkout },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentCheckout(await getCheckout(services, auth, params.id)) }),
  }),
];
