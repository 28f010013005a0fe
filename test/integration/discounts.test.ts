import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createOrder, createProduct, eventsOf, expectInvalid, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const variant = (price: number) => ({ sku: unique('sku'), price, currency: 'USD', inventory_quantity: 50 });

test('an automatic discount is created, read, changed and deleted, each with its discount.* event', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const res = await api.request('POST', '/v1/discounts', { token: key, body: { name: 'Summer', percent_off: 20, product_ids: [product.id, product.id] } });
  t.is(res.status, 201);
  t.like(res.body, { object: 'discount', name: 'Summer', percent_off: 20, amount_off: null, currency: null, product_ids: [product.id], active: true });
  t.regex(res.body.id, /^dsc_/);
  t.deepEqual((await eventsOf(api, key, 'discount.created'))[0].data, res.body);
  t.deepEqual((await api.request('GET', `/v1/discounts/${res.body.id}`, { token: key })).body, res.body);
  const patched = await api.request('PATCH', `/v1/discounts/${res.body.id}`, { token: key, body: { active: false, product_ids: null, ends_at: '2999-01-01T00:00:00Z' } });
  t.like(patched.body, { active: false, product_ids: null, ends_at: '2999-01-01T00:00:00.000Z' });
  t.deepEqual(Object.keys((await eventsOf(api, key, 'discount.updated'))[0].previous_attributes).sort(), ['active', 'ends_at', 'product_ids', 'updated_at']);
  t.is((await api.request('DELETE', `/v1/discounts/${res.body.id}`, { token: key })).status, 204);
  t.is((await api.request('GET', `/v1/discounts/${res.body.id}`, { token: key })).status, 404);
  t.deepEqual((await eventsOf(api, key, 'discount.deleted'))[0].data, patched.body);
  t.deepEqual((await api.request('GET', '/v1/discounts', { token: key })).body.data, []);
});

test('the best applicable discount applies to an order before its coupon; a deleted or percent-off-everything tie goes to the oldest', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { variants: [variant(999)] });
  const line = [{ variant_id: product.variants[0].id, quantity: 1 }];
  t.like(await createOrder(api, key, { line_items: line }), { discount: 0, discounts: [] });
  const older = (await api.request('POST', '/v1/discounts', { token: key, body: { name: 'A', percent_off: 10 } })).body;
  await api.request('POST', '/v1/discounts', { token: key, body: { name: 'B', amount_off: 100, currency: 'USD' } });
  // 10 % of 999 rounds half up to 100: a tie with 100 off, which the older discount wins.
  t.deepEqual((await createOrder(api, key, { line_items: line })).discounts, [{ id: older.id, amount: 100 }]);
  const minimum = (await api.request('POST', '/v1/discounts', { token: key, body: { name: 'C', amount_off: 300, currency: 'USD', min_subtotal: 1998 } })).body;
  t.like(await createOrder(api, key, { line_items: line }), { discount: 100 }, '999 is short of the minimum');
  t.like(await createOrder(api, key, { line_items: [{ ...line[0], quantity: 2 }] }), { subtotal: 1998, discount: 300, discounts: [{ id: minimum.id, amount: 300 }] });
  await api.request('DELETE', `/v1/discounts/${minimum.id}`, { token: key });
  t.like(await createOrder(api, key, { line_items: [{ ...line[0], quantity: 2 }] }), { discount: 200 });
});

test('a discount\'s products must be the tenant\'s own; bad bodies are 400s; other tenants and modes see 404', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const other = await tenantWithKey(api);
  const theirs = await createProduct(api, other.key);
  const mine = await createProduct(api, key);
  const res = await api.request('POST', '/v1/discounts', { token: key, body: { name: 'X', percent_off: 5, product_ids: [mine.id, theirs.id, 'prod_x'] } });
  t.is(res.status, 422);
  t.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/product_ids/1', '/product_ids/2']);
  await expectInvalid(t, api, key, '/v1/discounts', [
    [{ name: 'X' }, '/percent_off'], [{ name: 'X', percent_off: 5, amount_off: 5, currency: 'USD' }, '/percent_off'],
    [{ name: 'X', amount_off: 5 }, '/currency'], [{ name: 'X', percent_off: 5, min_subtotal: 100 }, '/currency'],
    [{ name: 'X', percent_off: 101 }, '/percent_off'], [{ name: '', percent_off: 5 }, '/name'],
    [{ name: 'X', percent_off: 5, starts_at: '2030-01-01T00:00:00Z', ends_at: '2029-01-01T00:00:00Z' }, '/ends_at'],
  ]);
  const discount = (await api.request('POST', '/v1/discounts', { token: key, body: { name: 'Y', percent_off: 5 } })).body;
  t.is((await api.request('PATCH', `/v1/discounts/${discount.id}`, { token: key, body: { min_subtotal: 10 } })).status, 422, 'no currency to count it in');
  t.is((await api.request('PATCH', `/v1/discounts/${discount.id}`, { token: key, body: { percent_off: 50 } })).status, 400, 'the value is fixed');
  const { key: testKey } = await tenant.key({ mode: 'test' });
  for (const token of [other.key, testKey]) {
    t.is((await api.request('GET', `/v1/discounts/${discount.id}`, { token })).status, 404);
    t.is((await api.request('PATCH', `/v1/discounts/${discount.id}`, { token, body: { name: 'Z' } })).status, 404);
    t.is((await api.request('DELETE', `/v1/discounts/${discount.id}`, { token })).status, 404);
  }
  // A test-mode order is not discounted by a live discount.
  const testProduct = await createProduct(api, testKey);
  t.like(await createOrder(api, testKey, { line_items: [{ variant_id: testProduct.variants[0].id, quantity: 1 }] }), { discount: 0 });
});
