import { createOrder, getOrder, listOrders, moveOrder, updateOrder } from '../../services/orders.ts';
import { Order, presentOrder } from '../../presenters/orders.ts';
import { listOf, toPage } from '../schemas/common.ts';
import { NewOrder, OrderListQuery, OrderPatch } from '../schemas/orders.ts';
import { route } from '../route.ts';

const tag = 'orders';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

const action = (name: 'pay' | 'fulfill' | 'cancel', summary: string) => route({
  method: 'post', path: `/v1/orders/:id/${name}`, summary, tag, access: write,
  response: { status: 200, schema: Order }, errors: [409],
  handle: async ({ params, auth, services }) => ({ status: 200, body: presentOrder(await moveOrder(services, auth, params.id, name)) }),
});

export const orderRoutes = [
  route({
    method: 'get', path: '/v1/orders', summary: 'List orders', tag, access: read, query: OrderListQuery,
    response: { status: 200, schema: listOf(Order) },
    handle: async ({ query, auth, services }) => {
      const rows = await listOrders(services, auth, { limit: query.limit, startingAfter: query.starting_after, status: query.status, customerId: query.customer_id });
      return { status: 200, body: toPage(rows, query.limit, presentOrder) };
    },
  }),
  route({
    method: 'post', path: '/v1/orders', summary: 'Create an order (priced by the server)', tag, access: write, body: NewOrder,
    response: { status: 201, schema: Order }, errors: [422],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentOrder(await createOrder(services, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/orders/:id', summary: 'Retrieve an order', tag, access: read,
    response: { status: 200, schema: Order },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentOrder(await getOrder(services, auth, params.id)) }),
  }),
  route({
    method: 'patch', path: '/v1/orders/:id', summary: 'Update an order\'s metadata (JSON merge patch)', tag, access: write, body: OrderPatch,
    response: { status: 200, schema: Order },
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentOrder(await updateOrder(services, auth, params.id, body)) }),
  }),
  action('pay', 'Pay a pending order: takes the stock and redeems the coupon, or 409 with nothing changed'),
  action('fulfill', 'Fulfill a paid order'),
  action('cancel', 'Cancel a pending or paid order (a paid order\'s stock and coupon redemption are returned)'),
];
