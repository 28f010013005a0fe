import { createDiscount, deleteDiscount, getDiscount, listDiscounts, updateDiscount } from '../../services/discounts.ts';
import { Discount, presentDiscount } from '../../presenters/discounts.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { DiscountPatch, NewDiscount } from '../schemas/discounts.ts';
import { route } from '../route.ts';

const tag = 'discounts';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

export const discountRoutes = [
  route({
    method: 'get', path: '/v1/discounts', summary: 'List automatic discounts', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Discount) },
    handle: async ({ query, auth, services }) => {
      const rows = await listDiscounts(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentDiscount) };
    },
  }),
  route({
    method: 'post', path: '/v1/discounts', summary: 'Create an automatic discount (no code: the best applicable one applies before the coupon)', tag,
    access: write, body: NewDiscount, response: { status: 201, schema: Discount }, errors: [422],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentDiscount(await createDiscount(services, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/discounts/:id', summary: 'Retrieve an automatic discount', tag, access: read,
    response: { status: 200, schema: Discount },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentDiscount(await getDiscount(services, auth, params.id)) }),
  }),
  route({
    method: 'patch', path: '/v1/discounts/:id', summary: 'Update an automatic discount\'s terms (JSON merge patch)', tag, access: write, body: DiscountPatch,
    response: { status: 200, schema: Discount }, errors: [422],
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentDiscount(await updateDiscount(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/discounts/:id', summary: 'Delete an automatic discount (orders keep what it took off)', tag, access: write,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteDiscount(services, auth, params.id);
      return { status: 204 };
    },
  }),
];
