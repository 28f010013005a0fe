import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createProduct, eventsOf, expectInvalid, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('a product is created with its variants and read back', async (t) => {
  const { key } = await tenantWithKey(api);
  const sku = unique('sku');
  const created = await api.request('POST', '/v1/products', {
    token: key,
    body: { name: 'Mug', description: 'Big', metadata: { color: 'blue' }, variants: [{ sku, price: 1299, currency: 'eur', inventory_quantity: 3 }] },
  });
  t.is(created.status, 201);
  t.like(created.body, { object: 'product', name: 'Mug', description: 'Big', active: true, metadata: { color: 'blue' } });
  t.regex(created.body.id, /^prod_/);
  t.like(created.body.variants[0], { object: 'variant', sku, price: 1299, currency: 'EUR', inventory_quantity: 3 });
  t.regex(created.body.variants[0].id, /^var_/);
  const read = await api.request('GET', `/v1/products/${created.body.id}`, { token: key });
  t.deepEqual(read.body, created.body);
});

test('creating a product records one product.created event carrying the product as presented', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const events = await eventsOf(api, key, 'product.created');
  t.is(events.length, 1);
  t.deepEqual(events[0].data, product);
  t.is(events[0].previous_attributes, undefined);
});

test('a duplicate sku in the same tenant and mode is a 409; other tenants and modes may reuse it', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const sku = unique('sku');
  await createProduct(api, key, { variants: [{ sku, price: 1, currency: 'USD', inventory_quantity: 1 }] });
  const again = await api.request('POST', '/v1/products', { token: key, body: { name: 'Copy', variants: [{ sku, price: 1, currency: 'USD', inventory_quantity: 1 }] } });
  t.is(again.status, 409);
  t.is(again.headers.get('content-type'), 'application/problem+json');
  const { key: testKey } = await tenant.key({ mode: 'test' });
  await t.notThrowsAsync(createProduct(api, testKey, { variants: [{ sku, price: 1, currency: 'USD', inventory_quantity: 1 }] }));
  const { key: otherKey } = await tenantWithKey(api);
  await t.notThrowsAsync(createProduct(api, otherKey, { variants: [{ sku, price: 1, currency: 'USD', inventory_quantity: 1 }] }));
  t.is((await eventsOf(api, key, 'product.created')).length, 1, 'the failed create left no event');
});

test('invalid bodies answer 400 with a pointer per problem', async (t) => {
  const { key } = await tenantWithKey(api);
  const cases: [unknown, string][] = [
    [{ name: 'x', variants: [{ sku: 'a', price: 1, currency: 'USD', inventory_quantity: 1 }], colour: 'red' }, '/colour'],
    [{ name: 'x', variants: [{ sku: 'a', price: -1, currency: 'USD', inventory_quantity: 1 }] }, '/variants/0/price'],
    [{ name: 'x', variants: [{ sku: 'a', price: 1.5, currency: 'USD', inventory_quantity: 1 }] }, '/variants/0/price'],
    [{ name: 'x', variants: [{ sku: 'a', price: 1, currency: 'XYZ', inventory_quantity: 1 }] }, '/variants/0/currency'],
    [{ name: 'x', variants: [{ sku: 'a', price: 1, currency: 'USD', inventory_quantity: '1' }] }, '/variants/0/inventory_quantity'],
    [{ name: '', variants: [{ sku: 'a', price: 1, currency: 'USD', inventory_quantity: 1 }] }, '/name'],
    [{ name: 'x', variants: [] }, '/variants'],
    [{ name: 'x' }, '/variants'],
  ];
  await expectInvalid(t, api, key, '/v1/products', cases);
});

test('PATCH is a JSON merge patch and product.updated carries the old values of what changed', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { description: 'Old', metadata: { a: '1', b: '2' } });
  const res = await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { description: null, metadata: { a: null, c: '3' } } });
  t.is(res.status, 200);
  t.like(res.body, { name: product.name, description: null, metadata: { b: '2', c: '3' } });
  const [updated] = await eventsOf(api, key, 'product.updated');
  t.deepEqual(updated.data, res.body);
  t.deepEqual(updated.previous_attributes, { description: 'Old', metadata: { a: '1', b: '2' }, updated_at: product.updated_at });
});

test('PATCH variants replaces the list: listed ids are kept, new entries added, the rest deleted', async (t) => {
  const { key } = await tenantWithKey(api);
  const [keep, drop] = [unique('keep'), unique('drop')];
  const product = await createProduct(api, key, {
    variants: [{ sku: keep, price: 100, currency: 'USD', inventory_quantity: 1 }, { sku: drop, price: 200, currency: 'USD', inventory_quantity: 2 }],
  });
  const kept = product.variants[0];
  const res = await api.request('PATCH', `/v1/products/${product.id}`, {
    token: key,
    body: { variants: [{ id: kept.id, sku: keep, price: 150, currency: 'USD', inventory_quantity: 5 }, { sku: drop, price: 300, currency: 'USD', inventory_quantity: 0 }] },
  });
  t.is(res.status, 200);
  t.is(res.body.variants.length, 2);
  t.like(res.body.variants[0], { id: kept.id, price: 150, inventory_quantity: 5 });
  t.not(res.body.variants[1].id, product.variants[1].id, 'the dropped variant is gone and its sku reused by a new one');
  const foreign = await api.request('PATCH', `/v1/products/${product.id}`, {
    token: key, body: { variants: [{ id: product.variants[1].id, sku: 'zzz', price: 1, currency: 'USD', inventory_quantity: 0 }] },
  });
  t.is(foreign.status, 422);
  t.is(foreign.body.errors[0].pointer, '/variants/0/id');
});

test('a deleted product disappears from reads, frees its skus and records product.deleted', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  t.is((await api.request('DELETE', `/v1/products/${product.id}`, { token: key })).status, 204);
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: key })).status, 404);
  t.is((await api.request('DELETE', `/v1/products/${product.id}`, { token: key })).status, 404);
  t.is((await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { name: 'x' } })).status, 404);
  t.deepEqual((await api.request('GET', '/v1/products', { token: key })).body.data, []);
  const [deleted] = await eventsOf(api, key, 'product.deleted');
  t.deepEqual(deleted.data, product);
  await t.notThrowsAsync(createProduct(api, key, { variants: product.variants.map(({ sku }: { sku: string }) => ({ sku, price: 1, currency: 'USD', inventory_quantity: 1 })) }));
});

test('lists are newest first and page with limit, starting_after, has_more and next_cursor', async (t) => {
  const { key } = await tenantWithKey(api);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.unshift((await createProduct(api, key, { name: `P${i}` })).id);
  const first = await api.request('GET', '/v1/products?limit=2', { token: key });
  t.deepEqual(first.body.data.map((p: { id: string }) => p.id), ids.slice(0, 2));
  t.like(first.body, { has_more: true, next_cursor: ids[1] });
  const rest = await api.request('GET', `/v1/products?limit=3&starting_after=${ids[1]}`, { token: key });
  t.deepEqual(rest.body.data.map((p: { id: string }) => p.id), ids.slice(2));
  t.like(rest.body, { has_more: false, next_cursor: null });
  for (const limit of ['0', '101', 'x']) t.is((await api.request('GET', `/v1/products?limit=${limit}`, { token: key })).status, 400);
});

test('publishable keys list and read active products only, and write nothing', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const { key: publishable } = await tenant.key({ kind: 'publishable' });
  const active = await createProduct(api, key);
  const inactive = await createProduct(api, key, { active: false });
  const list = await api.request('GET', '/v1/products', { token: publishable });
  t.deepEqual(list.body.data.map((p: { id: string }) => p.id), [active.id]);
  t.is((await api.request('GET', `/v1/products/${active.id}`, { token: publishable })).status, 200);
  t.is((await api.request('GET', `/v1/products/${inactive.id}`, { token: publishable })).status, 404);
  t.is((await api.request('GET', `/v1/products/${inactive.id}`, { token: key })).status, 200);
  t.is((await api.request('POST', '/v1/products', { token: publishable, body: { name: 'x', variants: [] } })).status, 403);
  t.is((await api.request('DELETE', `/v1/products/${active.id}`, { token: publishable })).status, 403);
  for (const path of ['/v1/customers', '/v1/orders', '/v1/coupons', '/v1/events']) {
    t.is((await api.request('GET', path, { token: publishable })).status, 403, path);
  }
});

test('viewers read but do not write', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  const product = await createProduct(api, key);
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: viewer })).status, 200);
  t.is((await api.request('PATCH', `/v1/products/${product.id}`, { token: viewer, body: { name: 'x' } })).status, 403);
});
