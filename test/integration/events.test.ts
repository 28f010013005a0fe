import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createProduct } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('a custom event is recorded with the envelope and read back by id', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const res = await api.request('POST', '/v1/events', { token: key, body: { type: 'invoice.sent', data: { invoice: 'in_1', lines: [1, 2] } } });
  t.is(res.status, 201);
  t.like(res.body, { type: 'invoice.sent', tenant_id: tenant.id, mode: 'live', data: { invoice: 'in_1', lines: [1, 2] } });
  t.regex(res.body.id, /^evt_/);
  t.false('previous_attributes' in res.body);
  t.deepEqual((await api.request('GET', `/v1/events/${res.body.id}`, { token: key })).body, res.body);
  t.is((await api.request('GET', '/v1/events/evt_00000000000000000000000000', { token: key })).status, 404);
  t.is((await api.request('GET', '/v1/events/nonsense', { token: key })).status, 404);
});

test('reserved namespaces are 422; malformed types and non-object data 400; over 64 KiB 413', async (t) => {
  const { key } = await tenantWithKey(api);
  const reserved = ['product', 'variant', 'customer', 'coupon', 'discount', 'order', 'cart', 'checkout', 'page', 'post', 'settings', 'endpoint', 'webhook'];
  for (const type of ['order.paid', 'product.anything', 'webhook.test', 'endpoint.disabled', ...reserved.map((ns) => `${ns}.custom`)]) {
    const res = await api.request('POST', '/v1/events', { token: key, body: { type, data: {} } });
    t.is(res.status, 422, type);
    t.is(res.body.errors[0].pointer, '/type');
  }
  for (const type of ['Invoice.Sent', 'invoice', 'invoice..sent', 'invoice.sent.', '1nvoice.sent', 'x'.repeat(99) + '.y']) {
    t.is((await api.request('POST', '/v1/events', { token: key, body: { type, data: {} } })).status, 400, type);
  }
  for (const data of [[1], 'text', null, 5]) {
    const res = await api.request('POST', '/v1/events', { token: key, body: { type: 'a.b', data } });
    t.is(res.status, 400, JSON.stringify(data));
    t.is(res.body.errors[0].pointer, '/data');
  }
  const proto = await api.request('POST', '/v1/events', { token: key, body: { type: 'a.b', data: { ['__proto__']: { x: 1 } } } });
  t.is(proto.status, 400, 'a key that would be dropped silently is refused');
  t.is(proto.body.errors[0].pointer, '/data/__proto__');
  const big = await api.request('POST', '/v1/events', { token: key, body: { type: 'a.b', data: { blob: 'x'.repeat(64 * 1024) } } });
  t.is(big.status, 413);
  t.is((await api.request('GET', '/v1/events', { token: key })).body.data.length, 0);
});

test('viewers list events but cannot record them', async (t) => {
  const { tenant } = await tenantWithKey(api);
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  t.is((await api.request('GET', '/v1/events', { token: viewer })).status, 200);
  t.is((await api.request('POST', '/v1/events', { token: viewer, body: { type: 'a.b', data: {} } })).status, 403);
});

test('the list filters by exact type, by namespace wildcard and by creation time, and pages', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { name: 'New' } });
  const custom = (await api.request('POST', '/v1/events', { token: key, body: { type: 'shipment.sent', data: {} } })).body;
  const all = (await api.request('GET', '/v1/events', { token: key })).body;
  t.deepEqual(all.data.map((e: { type: string }) => e.type), ['shipment.sent', 'product.updated', 'product.created']);
  const products = (await api.request('GET', '/v1/events?type=product.*', { token: key })).body;
  t.deepEqual(products.data.map((e: { type: string }) => e.type), ['product.updated', 'product.created']);
  const exact = (await api.request('GET', '/v1/events?type=product.created', { token: key })).body;
  t.deepEqual(exact.data.map((e: { type: string }) => e.type), ['product.created']);
  const since = (await api.request('GET', `/v1/events?created_gte=${encodeURIComponent(custom.created_at)}`, { token: key })).body;
  t.deepEqual(since.data.map((e: { id: string }) => e.id), [custom.id]);
  const before = (await api.request('GET', `/v1/events?created_lt=${encodeURIComponent(custom.created_at)}`, { token: key })).body;
  t.is(before.data.length, 2);
  const page = (await api.request('GET', '/v1/events?limit=1', { token: key })).body;
  t.like(page, { has_more: true, next_cursor: custom.id });
  const next = (await api.request('GET', `/v1/events?limit=2&starting_after=${page.next_cursor}`, { token: key })).body;
  t.deepEqual(next.data.map((e: { id: string }) => e.id), all.data.slice(1).map((e: { id: string }) => e.id));
  t.false(next.has_more);
  for (const query of ['type=Bad', 'created_gte=yesterday', 'limit=500', 'colour=red']) {
    t.is((await api.request('GET', `/v1/events?${query}`, { token: key })).status, 400, query);
  }
});

test('an event\'s data keeps the fields in the order the API presents them', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const events = await api.request('GET', '/v1/events?type=product.created', { token: key });
  const event = await api.request('GET', `/v1/events/${events.body.data[0].id}`, { token: key });
  t.deepEqual(Object.keys(event.body.data), Object.keys(product));
  const custom = await api.request('POST', '/v1/events', { token: key, body: { type: 'shipment.sent', data: { zeta: 1, alpha: 2, mid: 3 } } });
  t.deepEqual(Object.keys((await api.request('GET', `/v1/events/${custom.body.id}`, { token: key })).body.data), ['zeta', 'alpha', 'mid']);
});
