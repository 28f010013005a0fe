import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createProduct, eventsOf, expectInvalid, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const newVariant = (overrides: Record<string, unknown> = {}) => ({ sku: unique('sku'), price: 700, currency: 'eur', inventory_quantity: 4, ...overrides });

test('a variant is added under its product, read, changed and deleted on its own, each with its event', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const created = await api.request('POST', `/v1/products/${product.id}/variants`, { token: key, body: newVariant() });
  t.is(created.status, 201);
  t.like(created.body, { object: 'variant', product_id: product.id, price: 700, currency: 'EUR', inventory_quantity: 4 });
  t.regex(created.body.id, /^var_/);
  t.deepEqual((await eventsOf(api, key, 'variant.created'))[0].data, created.body);
  t.deepEqual((await api.request('GET', `/v1/variants/${created.body.id}`, { token: key })).body, created.body);
  const inProduct = (await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.variants;
  t.deepEqual(inProduct.map((v: { id: string }) => v.id), [product.variants[0].id, created.body.id], 'added after the others');
  t.deepEqual(inProduct[1], created.body, 'the product shows the same variant');
  const list = await api.request('GET', `/v1/products/${product.id}/variants?limit=1`, { token: key });
  t.like(list.body, { has_more: true, next_cursor: created.body.id });
  t.deepEqual(list.body.data, [created.body]);

  const patched = await api.request('PATCH', `/v1/variants/${created.body.id}`, { token: key, body: { price: 650 } });
  t.is(patched.status, 200);
  t.like(patched.body, { price: 650, sku: created.body.sku });
  const [updated] = await eventsOf(api, key, 'variant.updated');
  t.deepEqual(updated.data, patched.body);
  t.deepEqual(Object.keys(updated.previous_attributes).sort(), ['price', 'updated_at']);

  t.is((await api.request('DELETE', `/v1/variants/${created.body.id}`, { token: key })).status, 204);
  t.is((await api.request('GET', `/v1/variants/${created.body.id}`, { token: key })).status, 404);
  t.deepEqual((await eventsOf(api, key, 'variant.deleted'))[0].data, patched.body);
  const last = await api.request('DELETE', `/v1/variants/${product.variants[0].id}`, { token: key });
  t.is(last.status, 409, 'a product keeps at least one variant');
  t.is((await api.request('GET', `/v1/products/${product.id}/variants`, { token: key })).body.data.length, 1);
});

test('inventory adjustments are atomic and never take the stock below zero', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { variants: [newVariant({ inventory_quantity: 10 })] });
  const id = product.variants[0].id;
  const adjust = (adjustment: unknown) => api.request('POST', `/v1/variants/${id}/inventory`, { token: key, body: { adjustment } });
  const added = await adjust(5);
  t.is(added.status, 200);
  t.is(added.body.inventory_quantity, 15);
  const [event] = await eventsOf(api, key, 'variant.updated');
  t.like(event.previous_attributes, { inventory_quantity: 10 });
  // Twenty concurrent takes of one from 15: fifteen succeed, five are 409s, and the stock ends at 0.
  const takes = await Promise.all(Array.from({ length: 20 }, () => adjust(-1)));
  t.is(takes.filter((r) => r.status === 200).length, 15);
  t.is(takes.filter((r) => r.status === 409).length, 5);
  t.is((await api.request('GET', `/v1/variants/${id}`, { token: key })).body.inventory_quantity, 0);
  const short = await adjust(-1);
  t.is(short.status, 409);
  t.regex(short.body.detail, /insufficient inventory/);
  t.is((await eventsOf(api, key, 'variant.updated')).length, 16, 'one event per change that happened');
  for (const bad of [0, 1.5, '1', null]) t.is((await adjust(bad)).status, 400, String(bad));
  t.is((await adjust(1_000_000_000)).status, 200);
  t.is((await adjust(1)).status, 422, 'more than the largest stock');
});

test('a variant\'s sku stays unique; bad bodies are 400s with pointers; foreign and other-mode ids are 404', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const taken = product.variants[0].sku;
  t.is((await api.request('POST', `/v1/products/${product.id}/variants`, { token: key, body: newVariant({ sku: taken }) })).status, 409);
  await expectInvalid(t, api, key, `/v1/products/${product.id}/variants`, [
    [newVariant({ price: -1 }), '/price'], [newVariant({ currency: 'XYZ' }), '/currency'], [newVariant({ inventory_quantity: -1 }), '/inventory_quantity'],
    [{ ...newVariant(), colour: 'red' }, '/colour'],
  ]);
  const other = await tenantWithKey(api);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  for (const token of [other.key, testKey]) {
    t.is((await api.request('GET', `/v1/variants/${product.variants[0].id}`, { token })).status, 404);
    t.is((await api.request('POST', `/v1/variants/${product.variants[0].id}/inventory`, { token, body: { adjustment: 1 } })).status, 404);
    t.is((await api.request('POST', `/v1/products/${product.id}/variants`, { token, body: newVariant() })).status, 404);
    t.is((await api.request('GET', `/v1/products/${product.id}/variants`, { token })).status, 404);
  }
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  t.is((await api.request('PATCH', `/v1/variants/${product.variants[0].id}`, { token: viewer, body: { price: 1 } })).status, 403);
  t.is((await api.request('GET', `/v1/variants/${product.variants[0].id}`, { token: viewer })).status, 200);
});
