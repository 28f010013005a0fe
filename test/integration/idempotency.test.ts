import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createOrder, createProduct, eventsOf, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const productBody = () => ({ name: 'Kettle', variants: [{ sku: unique('sku'), price: 3000, currency: 'USD', inventory_quantity: 1 }] });
const post = (token: string, path: string, key: string, body?: unknown) =>
  api.request('POST', path, { token, body, headers: { 'idempotency-key': key } });

test('a replay returns the stored status and body, and does the work only once', async (t) => {
  const { key } = await tenantWithKey(api);
  const body = productBody();
  const first = await post(key, '/v1/products', 'create-kettle', body);
  t.is(first.status, 201);
  t.is(first.headers.get('idempotent-replayed'), null);
  const again = await post(key, '/v1/products', 'create-kettle', { variants: body.variants, name: body.name });
  t.is(again.status, 201);
  t.is(again.headers.get('idempotent-replayed'), 'true');
  t.is(JSON.stringify(again.body), JSON.stringify(first.body), 'the same body, fields in the same order');
  t.is((await api.request('GET', '/v1/products', { token: key })).body.data.length, 1);
  t.is((await eventsOf(api, key, 'product.created')).length, 1);
});

test('reusing a key with another body or path is a 422', async (t) => {
  const { key } = await tenantWithKey(api);
  await post(key, '/v1/products', 'k1', productBody());
  const otherBody = await post(key, '/v1/products', 'k1', productBody());
  t.is(otherBody.status, 422);
  t.is(otherBody.headers.get('content-type'), 'application/problem+json');
  const otherPath = await post(key, '/v1/events', 'k1', { type: 'a.b', data: {} });
  t.is(otherPath.status, 422);
  t.is((await api.request('GET', '/v1/products', { token: key })).body.data.length, 1);
});

test('eight concurrent requests with one key: one does the work, all get its answer', async (t) => {
  const { key } = await tenantWithKey(api);
  const body = productBody();
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(key, '/v1/products', 'burst', body)));
  const done = answers.filter((a) => a.status === 201);
  t.true(answers.every((a) => a.status === 201 || a.status === 409), JSON.stringify(answers.map((a) => a.status)));
  t.true(done.length >= 1);
  for (const a of done) t.deepEqual(a.body, done[0].body);
  t.is(done.filter((a) => a.headers.get('idempotent-replayed') === null).length, 1, 'exactly one did the work');
  t.is((await api.request('GET', '/v1/products', { token: key })).body.data.length, 1);
  t.is((await eventsOf(api, key, 'product.created')).length, 1);
});

test('keys are scoped to tenant and mode', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  const { key: otherKey } = await tenantWithKey(api);
  const body = productBody();
  const answers = [await post(key, '/v1/products', 'shared', body), await post(testKey, '/v1/products', 'shared', body), await post(otherKey, '/v1/products', 'shared', body)];
  t.deepEqual(answers.map((a) => a.headers.get('idempotent-replayed')), [null, null, null]);
  t.is(new Set(answers.map((a) => a.body.id)).size, 3);
});

test('a failed request stores nothing, so the same key may be retried', async (t) => {
  const { key } = await tenantWithKey(api);
  const taken = await createProduct(api, key);
  const { sku, price, currency, inventory_quantity } = taken.variants[0];
  const body = { name: 'Clash', variants: [{ sku, price, currency, inventory_quantity }] };
  t.is((await post(key, '/v1/products', 'retry-me', body)).status, 409);
  await api.request('DELETE', `/v1/products/${taken.id}`, { token: key });
  const retried = await post(key, '/v1/products', 'retry-me', body);
  t.is(retried.status, 201);
  t.is(retried.headers.get('idempotent-replayed'), null);
});

test('actions replay too: paying twice with one key pays once and answers 200 twice', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const order = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const first = await post(key, `/v1/orders/${order.id}/pay`, 'pay-once');
  const second = await post(key, `/v1/orders/${order.id}/pay`, 'pay-once');
  t.deepEqual([first.status, second.status], [200, 200]);
  t.deepEqual(second.body, first.body);
  t.is((await eventsOf(api, key, 'order.paid')).length, 1);
  t.is((await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key })).status, 409, 'without the key it is a second attempt');
});

test('records expire after 24 hours, and malformed keys are a 400', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  await post(key, '/v1/events', 'old', { type: 'a.b', data: {} });
  await api.db.owner.query(`update idempotency_keys set created_at = now() - interval '25 hours' where tenant_id = $1`, [tenant.id]);
  const fresh = await post(key, '/v1/events', 'old', { type: 'a.b', data: { other: true } });
  t.is(fresh.status, 201);
  t.is(fresh.headers.get('idempotent-replayed'), null);
  t.is((await eventsOf(api, key, 'a.b')).length, 2);
  t.is((await post(key, '/v1/events', 'x'.repeat(256), { type: 'a.b', data: {} })).status, 400);
  t.is((await post(key, '/v1/events', 'caf\u00e9', { type: 'a.b', data: {} })).status, 400);
});

test('a route that shows a secret once refuses Idempotency-Key rather than storing the secret', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const res = await post(key, '/v1/api-keys', 'new-key', { mode: 'live', kind: 'secret', role: 'viewer' });
  t.is(res.status, 400);
  t.regex(res.body.detail, /secret/);
  const stored = await api.db.owner.query('select count(*)::int as n from idempotency_keys where tenant_id = $1', [tenant.id]);
  t.is(stored.rows[0].n, 0);
  t.is((await api.request('POST', '/v1/api-keys', { token: key, body: { mode: 'live', kind: 'secret', role: 'viewer' } })).status, 201);
});
