import test from 'ava';
import { apiRoutes } from '../../src/http/app.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct, eventsOf, expectInvalid, unique } from '../helpers/commerce.ts';
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

test('creating one sku from several requests at once: one 201, the others 409', async (t) => {
  const { key } = await tenantWithKey(api);
  const body = { name: 'Race', variants: [{ sku: unique('sku'), price: 1, currency: 'USD', inventory_quantity: 1 }] };
  const answers = await Promise.all(Array.from({ length: 6 }, () => api.request('POST', '/v1/products', { token: key, body })));
  t.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409]);
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

test('one PATCH may swap skus between the product\'s variants, but not take another product\'s', async (t) => {
  const { key } = await tenantWithKey(api);
  const [a, b, c] = [unique('a'), unique('b'), unique('c')];
  const variant = (sku: string, id?: string) => ({ ...(id ? { id } : {}), sku, price: 100, currency: 'USD', inventory_quantity: 1 });
  const product = await createProduct(api, key, { variants: [variant(a), variant(b), variant(c)] });
  const ids = product.variants.map((v: { id: string }) => v.id);
  const rotated = await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { variants: [variant(b, ids[0]), variant(c, ids[1]), variant(a, ids[2])] } });
  t.is(rotated.status, 200, JSON.stringify(rotated.body));
  t.deepEqual(rotated.body.variants.map((v: { id: string; sku: string }) => [v.id, v.sku]), [[ids[0], b], [ids[1], c], [ids[2], a]]);
  const other = await createProduct(api, key);
  const taken = await api.request('PATCH', `/v1/products/${other.id}`, { token: key, body: { variants: [variant(a, other.variants[0].id)] } });
  t.is(taken.status, 409);
  const twice = await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { variants: [variant(a, ids[0]), variant(a, ids[1])] } });
  t.is(twice.status, 409);
  t.is((await api.request('POST', '/v1/products', { token: key, body: { name: 'Copy', variants: [variant(b)] } })).status, 409);
  t.is((await eventsOf(api, key, 'product.updated')).length, 1, 'only the rotation was recorded');
});

test('metadata holds at most 50 keys after a merge: more is a 422 that changes nothing', async (t) => {
  const { key } = await tenantWithKey(api);
  const keys = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
  const product = await createProduct(api, key, { metadata: keys('a', 50) });
  const over = await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { metadata: { extra: 'v' } } });
  t.is(over.status, 422);
  t.deepEqual(over.body.errors.map((e: { pointer: string }) => e.pointer), ['/metadata']);
  t.deepEqual((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body, product);
  t.is((await eventsOf(api, key, 'product.updated')).length, 0);
  const swapped = await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { metadata: { a0: null, extra: 'v' } } });
  t.is(swapped.status, 200, 'removing one key makes room for another');
  t.is(Object.keys(swapped.body.metadata).length, 50);
  t.is((await api.request('POST', '/v1/products', { token: key, body: { name: 'x', metadata: keys('b', 51), variants: [{ sku: unique('s'), price: 1, currency: 'USD', inventory_quantity: 1 }] } })).status, 400);
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

test('every list is newest first and pages with limit, starting_after, has_more and next_cursor', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const makers: Record<string, () => Promise<{ id: string }>> = {
    '/v1/products': () => createProduct(api, key),
    '/v1/customers': () => createCustomer(api, key),
    '/v1/coupons': () => createCoupon(api, key),
    '/v1/orders': () => createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] }),
    '/v1/events': async () => (await api.request('POST', '/v1/events', { token: key, body: { type: 'invoice.test', data: {} } })).body,
  };
  for (const [list, make] of Object.entries(makers)) {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.unshift((await make()).id);
    const filter = list === '/v1/events' ? 'type=invoice.test&' : '';
    const first = await api.request('GET', `${list}?${filter}limit=2`, { token: key });
    t.deepEqual(first.body.data.map((r: { id: string }) => r.id), ids.slice(0, 2), list);
    t.like(first.body, { has_more: true, next_cursor: ids[1] }, list);
    const rest = await api.request('GET', `${list}?${filter}limit=2&starting_after=${ids[1]}`, { token: key });
    t.deepEqual(rest.body.data.map((r: { id: string }) => r.id), ids.slice(2), list);
    const older = list === '/v1/products'; // the product the orders buy is older than the four
    t.like(rest.body, older ? { has_more: true, next_cursor: ids[3] } : { has_more: false, next_cursor: null }, list);
    for (const limit of ['0', '101', 'x', '2.5']) t.is((await api.request('GET', `${list}?limit=${limit}`, { token: key })).status, 400, `${list} limit=${limit}`);
  }
});

test('a list answers 20 items unless asked for more, up to 100', async (t) => {
  const { key } = await tenantWithKey(api);
  for (let i = 0; i < 21; i++) await api.request('POST', '/v1/events', { token: key, body: { type: 'invoice.test', data: { i } } });
  const page = await api.request('GET', '/v1/events', { token: key });
  t.is(page.body.data.length, 20);
  t.true(page.body.has_more);
  const all = await api.request('GET', '/v1/events?limit=100', { token: key });
  t.is(all.body.data.length, 21);
  t.like(all.body, { has_more: false, next_cursor: null });
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
});

test('publishable keys get 403 on every resource route but the product reads', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const { key: publishable } = await tenant.key({ kind: 'publishable' });
  const product = await createProduct(api, key);
  const order = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const ids: Record<string, string> = { products: product.id, orders: order.id, customers: (await createCustomer(api, key)).id, coupons: (await createCoupon(api, key)).id };
  ids.events = (await eventsOf(api, key, 'order.created'))[0].id;
  ids.variants = product.variants[0].id;
  const resources = apiRoutes.filter((r) => /^\/v1\/(products|variants|images|customers|coupons|discounts|orders|carts|checkouts|pages|posts|settings|events)/.test(r.path));
  const catalog = resources.filter((r) => r.method === 'get' && ['/v1/products', '/v1/products/:id'].includes(r.path));
  t.is(catalog.length, 2);
  for (const r of resources.filter((r) => !catalog.includes(r))) {
    const path = r.path.replace(':id', ids[r.path.split('/')[2]] ?? 'x').replace(/:\w+/g, 'x');
    const res = await api.request(r.method.toUpperCase(), path, { token: publishable, body: r.method === 'get' || r.method === 'delete' ? undefined : {} });
    t.is(res.status, 403, `${r.method} ${path}`);
  }
  t.is((await api.request('GET', `/v1/orders/${order.id}`, { token: key })).body.status, 'pending', 'nothing was paid or cancelled');
});

test('viewers read but do not write', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  const product = await createProduct(api, key);
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: viewer })).status, 200);
  t.is((await api.request('PATCH', `/v1/products/${product.id}`, { token: viewer, body: { name: 'x' } })).status, 403);
});
