import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

/** One of everything, made with `token`; returns the ids. */
async function everything(token: string) {
  const product = await createProduct(api, token);
  const customer = await createCustomer(api, token);
  const coupon = await createCoupon(api, token);
  const order = await createOrder(api, token, { customer_id: customer.id, line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const event = (await api.request('POST', '/v1/events', { token, body: { type: 'custom.thing', data: {} } })).body;
  const key = (await api.request('POST', '/v1/api-keys', { token, body: { mode: (await api.request('GET', '/v1/tenant', { token })).body.mode, kind: 'secret', role: 'viewer' } })).body;
  const member = (await api.request('POST', '/v1/members', { token, body: { email: `member-${key.id}@example.com`, role: 'viewer', password: 'correct horse battery' } })).body;
  return { product, customer, coupon, order, event, key: { id: key.id }, member: { id: member.user_id } };
}

/**
 * Every route that names a resource by id, with a body that would be valid. Members belong to an
 * organization, not to a mode (docs/tenancy.md): their routes are sealed between tenants.
 */
function routesOn(ids: Awaited<ReturnType<typeof everything>>, members: boolean): [string, string, unknown?][] {
  return [
    ['GET', `/v1/products/${ids.product.id}`], ['PATCH', `/v1/products/${ids.product.id}`, { name: 'Mine' }], ['DELETE', `/v1/products/${ids.product.id}`],
    ['GET', `/v1/customers/${ids.customer.id}`], ['PATCH', `/v1/customers/${ids.customer.id}`, { name: 'Mine' }], ['DELETE', `/v1/customers/${ids.customer.id}`],
    ['GET', `/v1/coupons/${ids.coupon.id}`], ['PATCH', `/v1/coupons/${ids.coupon.id}`, { max_redemptions: 1 }], ['DELETE', `/v1/coupons/${ids.coupon.id}`],
    ['GET', `/v1/orders/${ids.order.id}`], ['PATCH', `/v1/orders/${ids.order.id}`, { metadata: { a: 'b' } }],
    ['POST', `/v1/orders/${ids.order.id}/pay`], ['POST', `/v1/orders/${ids.order.id}/fulfill`], ['POST', `/v1/orders/${ids.order.id}/cancel`],
    ['GET', `/v1/events/${ids.event.id}`],
    ['DELETE', `/v1/api-keys/${ids.key.id}`],
    ...(members ? [['PATCH', `/v1/members/${ids.member.id}`, { role: 'developer' }], ['DELETE', `/v1/members/${ids.member.id}`]] as [string, string, unknown?][] : []),
  ];
}

async function assertSealed(t: any, intruder: string, owner: string, ids: Awaited<ReturnType<typeof everything>>, members = true) {
  for (const [method, path, body] of routesOn(ids, members)) {
    const res = await api.request(method, path, { token: intruder, body });
    t.is(res.status, 404, `${method} ${path}`);
    t.is(res.body.detail.includes(ids.product.id), false);
  }
  const references = [
    [{ line_items: [{ variant_id: ids.product.variants[0].id, quantity: 1 }] }, '/line_items/0/variant_id'],
    [{ customer_id: ids.customer.id, line_items: [{ variant_id: (await createProduct(api, intruder)).variants[0].id, quantity: 1 }] }, '/customer_id'],
    [{ coupon_code: ids.coupon.code, line_items: [{ variant_id: (await createProduct(api, intruder)).variants[0].id, quantity: 1 }] }, '/coupon_code'],
  ] as const;
  for (const [body, pointer] of references) {
    const res = await api.request('POST', '/v1/orders', { token: intruder, body });
    t.is(res.status, 422, pointer);
    t.is(res.body.errors[0].pointer, pointer);
  }
  const theirs = new Set(Object.values(ids).map((r) => r.id));
  for (const list of ['/v1/products', '/v1/customers', '/v1/coupons', '/v1/orders', '/v1/events?limit=100']) {
    const res = await api.request('GET', list, { token: intruder });
    t.is(res.status, 200);
    t.false(res.body.data.some((r: { id: string; data?: { id: string } }) => theirs.has(r.id) || theirs.has(r.data?.id ?? '')), list);
  }
  // Nothing the intruder tried changed the owner's resources.
  const order = await api.request('GET', `/v1/orders/${ids.order.id}`, { token: owner });
  t.like(order.body, { status: 'pending', metadata: {} });
  t.is((await api.request('GET', `/v1/products/${ids.product.id}`, { token: owner })).body.name, ids.product.name);
}

test('another tenant holding our ids gets 404 on every route, 422 on references, and never sees our rows', async (t) => {
  const a = await tenantWithKey(api);
  const b = await tenantWithKey(api);
  const ids = await everything(a.key);
  await assertSealed(t, b.key, a.key, ids);
});

test('test-mode credentials cannot reach live data, nor live credentials test data', async (t) => {
  const { tenant, key: live } = await tenantWithKey(api);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  await assertSealed(t, testKey, live, await everything(live), false);
  await assertSealed(t, live, testKey, await everything(testKey), false);
});

test('row-level security hides every resource table from a connection with no tenant set', async (t) => {
  const { key } = await tenantWithKey(api);
  await everything(key);
  // Every table holding a tenant_id that the app role may read at all (the catalog test checks the rest).
  const { rows: tables } = await api.db.owner.query(`
    select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attname = 'tenant_id' and has_table_privilege('herald_app', c.oid, 'select')`);
  t.true(tables.length >= 15, 'the tenant tables are found');
  for (const { relname: table } of tables) {
    const { rows } = await api.db.app.query(`select count(*)::int as n from ${table}`);
    t.is(rows[0].n, 0, table);
  }
  const owner = await api.db.owner.query('select count(*)::int as n from products');
  t.true(owner.rows[0].n > 0, 'the rows exist; the app role just cannot see them');
});
