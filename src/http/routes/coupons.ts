import { createCoupon, deleteCoupon, getCoupon, listCoupons, updateCoupon } from '../../services/coupons.ts';
import { Coupon, presentCoupon } from '../../presenters/coupons.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { CouponPatch, NewCoupon } from '../schemas/coupons.ts';
import { route } from '../route.ts';

const tag = 'coupons';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

export const couponRoutes = [
  route({
    method: 'get', path: '/v1/coupons', summary: 'List coupons', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Coupon) },
    handle: async ({ query, auth, services }) => {
      const rows = await listCoupons(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentCoupon) };
    },
  }),
  route({
    method: 'post', path: '/v1/coupons', summary: 'Create a coupon', tag, access: write, body: NewCoupon,
    response: { status: 201, schema: Coupon }, errors: [409],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentCoupon(await createCoupon(services, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/coupons/:id', summary: 'Retrieve a coupon', tag, access: read,
    response: { status: 200, schema: Coupon },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentCoupon(await getCoupon(services, auth, params.id)) }),
  }),
  route({
    method: 'patch', path: '/v1/coupons/:id', summary: 'Update a coupon\'s terms (JSON merge patch)', tag, access: write, body: CouponPatch,
    response: { status: 200, schema: Coupon }, errors: [422],
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentCoupon(await updateCoupon(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/coupons/:id', summary: 'Delete a coupon (orders keep their discount)', tag, access: write,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteCoupon(services, auth, params.id);
      return { status: 204 };
    },
  }),
];
