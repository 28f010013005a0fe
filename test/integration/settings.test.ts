import test from 'ava';
import { withTenant } from '../../src/db/tenant.ts';
import { newId } from '../../src/ids.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createOrder, createProduct, eventsOf } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { storefrontRequest } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('settings start from defaults, change by merge patch with settings.updated, and differ per mode', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const defaults = await api.request('GET', '/v1/settings', { token: key });
  t.is(defaults.status, 200);
  const tenantName = (await api.admin('GET', `/admin/v1/tenants/${tenant.id}`)).body.name;
  t.deepEqual(defaults.body, {
    object: 'settings', mode: 'live', shop_name: tenantName, currency: 'USD', timezone: 'UTC', locale: 'en', support_email: null,
    order_number_prefix: '#', updated_at: null,
  });
  const patched = await api.request('PATCH', '/v1/settings', {
    token: key, body: { shop_name: 'Lamps & Co', currency: 'eur', timezone: 'Europe/Berlin', locale: 'de-de', support_email: 'help@lamps.example', order_number_prefix: 'LC-' },
  });
  t.is(patched.status, 200);
  t.like(patched.body, { shop_name: 'Lamps & Co', currency: 'EUR', timezone: 'Europe/Berlin', locale: 'de-DE', support_email: 'help@lamps.example', order_number_prefix: 'LC-' });
  const [event] = await eventsOf(api, key, 'settings.updated');
  t.deepEqual(event.data, patched.body);
  t.like(event.previous_attributes, { shop_name: tenantName, currency: 'USD', updated_at: null });
  const back = await api.request('PATCH', '/v1/settings', { token: key, body: { shop_name: null } });
  t.is(back.body.shop_name, tenantName, 'null goes back to the tenant\'s name');
  t.is(back.body.currency, 'EUR', 'other fields stay');
  const { key: testKey } = await tenant.key({ mode: 'test' });
  t.is((await api.request('GET', '/v1/settings', { token: testKey })).body.currency, 'USD', 'test mode has its own');
  const other = await tenantWithKey(api);
  t.is((await api.request('GET', '/v1/settings', { token: other.key })).body.currency, 'USD', 'another tenant too');
});

test('settings are validated, read by viewers and changed by admins only', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  for (const [body, pointer] of [
    [{ currency: 'XYZ' }, '/currency'], [{ timezone: 'Mars/Olympus' }, '/timezone'], [{ locale: 'not a locale!' }, '/locale'],
    [{ support_email: 'nope' }, '/support_email'], [{ order_number_prefix: 'x'.repeat(21) }, '/order_number_prefix'], [{ theme: 'dark' }, '/theme'],
    [{ shop_name: '' }, '/shop_name'],
  ] as const) {
    const res = await api.request('PATCH', '/v1/settings', { token: key, body });
    t.is(res.status, 400, JSON.stringify(body));
    t.is(res.body.errors[0].pointer, pointer);
  }
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  const { key: developer } = await tenant.key({ role: 'developer' });
  const { key: publishable } = await tenant.key({ kind: 'publishable' });
  t.is((await api.request('GET', '/v1/settings', { token: viewer })).status, 200);
  t.is((await api.request('PATCH', '/v1/settings', { token: developer, body: { currency: 'EUR' } })).status, 403);
  t.is((await api.request('GET', '/v1/settings', { token: publishable })).status, 403);
  t.is((await eventsOf(api, key, 'settings.updated')).length, 0);
});

test('the storefront shows the public part of the settings', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  await api.request('PATCH', '/v1/settings', { token: key, body: { shop_name: 'Lamps', support_email: 'help@lamps.example', order_number_prefix: 'L-' } });
  const { key: testKey } = await tenant.key({ mode: 'test' });
  await api.request('PATCH', '/v1/settings', { token: testKey, body: { shop_name: 'Test lamps' } });
  const res = await storefrontRequest(api, '/storefront/v1/shop', { host: `${tenant.slug}.shops.localhost` });
  t.is(res.status, 200);
  t.deepEqual(res.body, { object: 'shop', name: 'Lamps', currency: 'USD', timezone: 'UTC', locale: 'en', support_email: 'help@lamps.example' });
  t.is(res.headers['cache-control'], 'public, max-age=60');
});

test('orders are numbered 1, 2, 3 … per tenant and mode without gaps under concurrent creation, shown with the prefix of their time', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { variants: [{ sku: 'N-1', price: 100, currency: 'USD', inventory_quantity: 1 }] });
  const line = { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] };
  const first = await createOrder(api, key, line);
  t.like(first, { number: 1, name: '#1' });
  // A failed creation takes no number.
  t.is((await api.request('POST', '/v1/orders', { token: key, body: { line_items: [{ variant_id: 'var_x', quantity: 1 }] } })).status, 422);
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => api.request('POST', '/v1/orders', { token: key, body: line })));
  t.true(concurrent.every((r) => r.status === 201));
  t.deepEqual(concurrent.map((r) => r.body.number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 2));
  await api.request('PATCH', '/v1/settings', { token: key, body: { order_number_prefix: 'LC-' } });
  t.like(await createOrder(api, key, line), { number: 22, name: 'LC-22' });
  t.is((await api.request('GET', `/v1/orders/${first.id}`, { token: key })).body.name, '#1', 'an order keeps its name');
  // Whatever inserts an order (here raw SQL, as the benchmark's baseline does), it is numbered.
  const raw = await withTenant(api.db.app, { tenantId: tenant.id, mode: 'live' }, async (tx) => (await tx.query(
    `insert into orders (tenant_id, mode, id, currency, subtotal, discount, total) values ($1::uuid, 'live', $2, 'USD', 0, 0, 0) returning number, name`,
    [tenant.id, newId('order')])).rows[0]);
  t.deepEqual(raw, { number: 23, name: 'LC-23' });
  const { key: testKey } = await tenant.key({ mode: 'test' });
  const testProduct = await createProduct(api, testKey);
  t.like(await createOrder(api, testKey, { line_items: [{ variant_id: testProduct.variants[0].id, quantity: 1 }] }), { number: 1, name: '#1' }, 'test mode counts on its own');
  const other = await tenantWithKey(api);
  const otherProduct = await createProduct(api, other.key);
  t.like(await createOrder(api, other.key, { line_items: [{ variant_id: otherProduct.variants[0].id, quantity: 1 }] }), { number: 1 }, 'so does another tenant');
});
