import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct, eventsOf, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const variant = (overrides: Record<string, unknown> = {}) => ({ sku: unique('sku'), price: 1000, currency: 'USD', inventory_quantity: 5, ...overrides });

async function shop() {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { name: 'Lamp', variants: [variant({ price: 1000 }), variant({ price: 250, inventory_quantity: 1 })] });
  const [lamp, bulb] = product.variants;
  return { tenant, key, product, lamp, bulb };
}

const stockOf = async (key: string, productId: string) =>
  (await api.request('GET', `/v1/products/${productId}`, { token: key })).body.variants.map((v: { inventory_quantity: number }) => v.inventory_quantity);

test('an order is priced by the server from its line items, with the coupon and customer applied', async (t) => {
  const { key, lamp, bulb } = await shop();
  const customer = await createCustomer(api, key);
  const coupon = await createCoupon(api, key, { percent_off: 15 });
  const res = await api.request('POST', '/v1/orders', {
    token: key,
    body: { customer_id: customer.id, coupon_code: coupon.code.toLowerCase(), line_items: [{ variant_id: lamp.id, quantity: 2 }, { variant_id: bulb.id, quantity: 1 }] },
  });
  t.is(res.status, 201);
  t.like(res.body, { object: 'order', status: 'pending', customer_id: customer.id, coupon_code: coupon.code, currency: 'USD', subtotal: 2250, discount: 338, total: 1912 });
  t.like(res.body.line_items[0], { variant_id: lamp.id, name: 'Lamp', sku: lamp.sku, unit_price: 1000, quantity: 2, amount: 2000 });
  t.regex(res.body.id, /^ord_/);
  const [created] = await eventsOf(api, key, 'order.created');
  t.deepEqual(created.data, res.body);
});

test('an amount-off coupon never takes the total below zero', async (t) => {
  const { key, bulb } = await shop();
  const coupon = await createCoupon(api, key, { percent_off: undefined, amount_off: 5000, currency: 'usd' });
  const order = await createOrder(api, key, { coupon_code: coupon.code, line_items: [{ variant_id: bulb.id, quantity: 1 }] });
  t.like(order, { subtotal: 250, discount: 250, total: 0 });
});

test('unknown, foreign, inactive and mixed-currency references are 422s naming the field', async (t) => {
  const { key, lamp } = await shop();
  const euro = await createProduct(api, key, { variants: [variant({ currency: 'EUR' })] });
  const hidden = await createProduct(api, key, { active: false });
  const other = await shop();
  const expired = await createCoupon(api, key, { valid_until: '2020-01-01T00:00:00Z' });
  const dollars = await createCoupon(api, key, { percent_off: undefined, amount_off: 100, currency: 'USD' });
  const cases: [Record<string, unknown>, string][] = [
    [{ line_items: [{ variant_id: 'var_00000000000000000000000000', quantity: 1 }] }, '/line_items/0/variant_id'],
    [{ line_items: [{ variant_id: other.lamp.id, quantity: 1 }] }, '/line_items/0/variant_id'],
    [{ line_items: [{ variant_id: lamp.id, quantity: 1 }, { variant_id: hidden.variants[0].id, quantity: 1 }] }, '/line_items/1/variant_id'],
    [{ line_items: [{ variant_id: lamp.id, quantity: 1 }, { variant_id: euro.variants[0].id, quantity: 1 }] }, '/line_items/1/variant_id'],
    [{ customer_id: (await createCustomer(api, other.key)).id, line_items: [{ variant_id: lamp.id, quantity: 1 }] }, '/customer_id'],
    [{ coupon_code: (await createCoupon(api, other.key)).code, line_items: [{ variant_id: lamp.id, quantity: 1 }] }, '/coupon_code'],
    [{ coupon_code: expired.code, line_items: [{ variant_id: lamp.id, quantity: 1 }] }, '/coupon_code'],
    [{ coupon_code: dollars.code, line_items: [{ variant_id: euro.variants[0].id, quantity: 1 }] }, '/coupon_code'],
  ];
  for (const [body, pointer] of cases) {
    const res = await api.request('POST', '/v1/orders', { token: key, body });
    t.is(res.status, 422, JSON.stringify(body));
    t.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), [pointer]);
  }
  t.is((await eventsOf(api, key, 'order.created')).length, 0);
});

test('pay takes the stock, fulfill follows, and each step records its event', async (t) => {
  const { key, product, lamp } = await shop();
  const order = await createOrder(api, key, { line_items: [{ variant_id: lamp.id, quantity: 2 }, { variant_id: lamp.id, quantity: 1 }] });
  const paid = await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key });
  t.is(paid.status, 200);
  t.is(paid.body.status, 'paid');
  t.truthy(paid.body.paid_at);
  t.deepEqual(await stockOf(key, product.id), [2, 1]);
  const fulfilled = await api.request('POST', `/v1/orders/${order.id}/fulfill`, { token: key });
  t.like(fulfilled.body, { status: 'fulfilled' });
  t.deepEqual((await eventsOf(api, key, 'order.paid'))[0].data, paid.body);
  t.deepEqual((await eventsOf(api, key, 'order.fulfilled'))[0].data, fulfilled.body);
});

test('illegal transitions are 409 and change nothing', async (t) => {
  const { key, lamp } = await shop();
  const order = await createOrder(api, key, { line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  t.is((await api.request('POST', `/v1/orders/${order.id}/fulfill`, { token: key })).status, 409, 'pending cannot be fulfilled');
  await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key });
  t.is((await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key })).status, 409, 'paid cannot be paid again');
  await api.request('POST', `/v1/orders/${order.id}/fulfill`, { token: key });
  t.is((await api.request('POST', `/v1/orders/${order.id}/cancel`, { token: key })).status, 409, 'fulfilled cannot be cancelled');
  t.is((await api.request('GET', `/v1/orders/${order.id}`, { token: key })).body.status, 'fulfilled');
  t.is((await eventsOf(api, key, 'order.paid')).length, 1);
  t.is((await eventsOf(api, key, 'order.cancelled')).length, 0);
});

test('insufficient inventory is a 409 that takes no stock from any line and redeems no coupon', async (t) => {
  const { key, product, lamp, bulb } = await shop();
  const coupon = await createCoupon(api, key);
  const order = await createOrder(api, key, { coupon_code: coupon.code, line_items: [{ variant_id: lamp.id, quantity: 1 }, { variant_id: bulb.id, quantity: 2 }] });
  const res = await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key });
  t.is(res.status, 409);
  t.deepEqual(await stockOf(key, product.id), [5, 1]);
  t.is((await api.request('GET', `/v1/orders/${order.id}`, { token: key })).body.status, 'pending');
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 0);
  t.is((await eventsOf(api, key, 'order.paid')).length, 0);
});

test('an exhausted coupon is a 409 on pay that takes no stock', async (t) => {
  const { key, product, lamp } = await shop();
  const coupon = await createCoupon(api, key, { max_redemptions: 1 });
  const first = await createOrder(api, key, { coupon_code: coupon.code, line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  const second = await createOrder(api, key, { coupon_code: coupon.code, line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  t.is((await api.request('POST', `/v1/orders/${first.id}/pay`, { token: key })).status, 200);
  t.is((await api.request('POST', `/v1/orders/${second.id}/pay`, { token: key })).status, 409);
  t.deepEqual(await stockOf(key, product.id), [4, 1]);
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 1);
  const third = await api.request('POST', '/v1/orders', { token: key, body: { coupon_code: coupon.code, line_items: [{ variant_id: lamp.id, quantity: 1 }] } });
  t.is(third.status, 422, 'a new order cannot use an exhausted coupon');
});

test('paying two orders for the last unit at once sells it exactly once', async (t) => {
  const { key, product, bulb } = await shop();
  const orders = await Promise.all([1, 2, 3, 4].map(() => createOrder(api, key, { line_items: [{ variant_id: bulb.id, quantity: 1 }] })));
  const results = await Promise.all(orders.map((o) => api.request('POST', `/v1/orders/${o.id}/pay`, { token: key })));
  t.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409]);
  t.deepEqual(await stockOf(key, product.id), [5, 0]);
});

test('paying three orders at once with a single-use coupon redeems it exactly once', async (t) => {
  const { key, product, lamp } = await shop();
  const coupon = await createCoupon(api, key, { max_redemptions: 1 });
  const orders = await Promise.all([1, 2, 3].map(() => createOrder(api, key, { coupon_code: coupon.code, line_items: [{ variant_id: lamp.id, quantity: 1 }] })));
  const results = await Promise.all(orders.map((o) => api.request('POST', `/v1/orders/${o.id}/pay`, { token: key })));
  t.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409]);
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 1);
  t.deepEqual(await stockOf(key, product.id), [4, 1], 'the refused orders took no stock');
  t.is((await eventsOf(api, key, 'order.paid')).length, 1);
});

test('cancelling a paid order returns its stock and its coupon redemption', async (t) => {
  const { key, product, lamp } = await shop();
  const coupon = await createCoupon(api, key, { max_redemptions: 1 });
  const order = await createOrder(api, key, { coupon_code: coupon.code, line_items: [{ variant_id: lamp.id, quantity: 3 }] });
  await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key });
  const cancelled = await api.request('POST', `/v1/orders/${order.id}/cancel`, { token: key });
  t.like(cancelled.body, { status: 'cancelled' });
  t.truthy(cancelled.body.cancelled_at);
  t.deepEqual(await stockOf(key, product.id), [5, 1]);
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 0);
  t.deepEqual((await eventsOf(api, key, 'order.cancelled'))[0].data, cancelled.body);
});

test('orders keep their snapshot when the product changes or is deleted', async (t) => {
  const { key, product, lamp } = await shop();
  const order = await createOrder(api, key, { line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { name: 'Renamed' } });
  await api.request('DELETE', `/v1/products/${product.id}`, { token: key });
  const read = await api.request('GET', `/v1/orders/${order.id}`, { token: key });
  t.deepEqual(read.body.line_items, order.line_items);
  t.is((await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key })).status, 409, 'a deleted variant cannot be sold');
});

test('PATCH changes metadata only; DELETE is 405; lists filter by status', async (t) => {
  const { key, lamp } = await shop();
  const order = await createOrder(api, key, { metadata: { ref: 'A1' }, line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  const patched = await api.request('PATCH', `/v1/orders/${order.id}`, { token: key, body: { metadata: { ref: null, note: 'gift' } } });
  t.deepEqual(patched.body.metadata, { note: 'gift' });
  t.deepEqual((await eventsOf(api, key, 'order.updated'))[0].previous_attributes.metadata, { ref: 'A1' });
  t.is((await api.request('PATCH', `/v1/orders/${order.id}`, { token: key, body: { status: 'paid' } })).status, 400);
  const del = await api.request('DELETE', `/v1/orders/${order.id}`, { token: key });
  t.is(del.status, 405);
  t.is(del.headers.get('content-type'), 'application/problem+json');
  await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key });
  const other = await createOrder(api, key, { line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  const pending = await api.request('GET', '/v1/orders?status=pending', { token: key });
  t.deepEqual(pending.body.data.map((o: { id: string }) => o.id), [other.id]);
});

test('concurrent PATCHes and moves of one order serialise: no metadata lost, no false previous_attributes', async (t) => {
  const { key, lamp } = await shop();
  const order = await createOrder(api, key, { line_items: [{ variant_id: lamp.id, quantity: 1 }] });
  const patches = Array.from({ length: 6 }, (_, i) => api.request('PATCH', `/v1/orders/${order.id}`, { token: key, body: { metadata: { [`k${i}`]: 'v' } } }));
  const [paid, ...patched] = await Promise.all([api.request('POST', `/v1/orders/${order.id}/pay`, { token: key }), ...patches]);
  t.deepEqual([paid.status, ...patched.map((r) => r.status)], [200, 200, 200, 200, 200, 200, 200]);
  const read = await api.request('GET', `/v1/orders/${order.id}`, { token: key });
  t.deepEqual(Object.keys(read.body.metadata).sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  t.is(read.body.status, 'paid');
  for (const updated of await eventsOf(api, key, 'order.updated')) {
    t.deepEqual(Object.keys(updated.previous_attributes).sort(), ['metadata', 'updated_at']);
  }
});
