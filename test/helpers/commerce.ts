// Arranging commerce resources through the API, for the resource tests.
import type { ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import type { Response, TestApi } from './api.ts';

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function expectCreated(res: Response, what: string) {
  if (res.status !== 201) throw new Error(`${what}: expected 201, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createProduct(api: TestApi, token: string, overrides: Record<string, unknown> = {}) {
  const body = {
    name: 'T-shirt',
    variants: [{ sku: unique('sku'), price: 2500, currency: 'USD', inventory_quantity: 10 }],
    ...overrides,
  };
  return expectCreated(await api.request('POST', '/v1/products', { token, body }), 'create product');
}

export async function createCustomer(api: TestApi, token: string, overrides: Record<string, unknown> = {}) {
  return expectCreated(await api.request('POST', '/v1/customers', { token, body: { email: `${unique('ada')}@example.com`, ...overrides } }), 'create customer');
}

export async function createCoupon(api: TestApi, token: string, overrides: Record<string, unknown> = {}) {
  return expectCreated(await api.request('POST', '/v1/coupons', { token, body: { code: unique('SAVE'), percent_off: 10, ...overrides } }), 'create coupon');
}

export async function createOrder(api: TestApi, token: string, body: Record<string, unknown>) {
  return expectCreated(await api.request('POST', '/v1/orders', { token, body }), 'create order');
}

/** The events of one type, newest first, as the tenant's API sees them. */
export async function eventsOf(api: TestApi, token: string, type: string) {
  const res = await api.request('GET', `/v1/events?type=${type}&limit=100`, { token });
  if (res.status !== 200) throw new Error(`list events: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as any[];
}

/** POSTs each body and expects a 400 whose errors include the pointer paired with it. */
export async function expectInvalid(t: ExecutionContext, api: TestApi, token: string, path: string, cases: [unknown, string][]) {
  for (const [body, pointer] of cases) {
    const res = await api.request('POST', path, { token, body });
    t.is(res.status, 400, JSON.stringify(body));
    t.true(res.body.errors?.some((e: { pointer: string }) => e.pointer === pointer), `${pointer} in ${JSON.stringify(res.body.errors)}`);
  }
}
