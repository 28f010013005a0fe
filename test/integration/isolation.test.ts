import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopper } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

let lastAddress = 10;

/** One of everything, made with `token` (carts and checkouts through the shop's storefront in live mode); returns them. */
async function everything(token: string, tenant: { slug: string }, mode: 'live' | 'test') {
  const product = await createProduct(api, token);
  const customer = await createCustomer(api, token, { addresses: [{ line1: '1 Main St', city: 'Springfield', country: 'US' }] });
  const coupon = await createCoupon(api, token);
  const order = await createOrder(api, token, { customer_id: customer.id, line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const event = (await api.request('POST', '/v1/events', { token, body: { type: 'custom.thing', data: {} } })).body;
  const post = async (path: string, body: unknown) => (await api.request('POST', path, { token, body })).body;
  const image = await post(`/v1/products/${product.id}/images`, { url: 'https://cdn.example.com/a.png' });
  const discount = await post('/v1/discounts', { name: 'D', percent_off: 5 });
  const page = await post('/v1/pages', { title: 'P', handle: 'about' });
  const blog = await post('/v1/posts', { title: 'P', handle: 'news' });
  let cart, checkout;
  if (mode === 'live') {
    const s = shopper(api, tenant, `127.0.${++lastAddress}.1`);
    cart = await s.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
    checkout = (await s.checkout()).body;
  }
  const key = await post('/v1/api-keys', { mode, kind: 'secret', role: 'viewer' });
  const member = await post('/v1/members', { email: `member-${key.id}@example.com`, role: 'viewer', password: 'correct horse battery' });
  return { product, customer, coupon, order, event, image, discount, page, post: blog, cart, checkout, key: { id: key.id }, member: { id: member.user_id } };
}

/**
 * Every route that names a resource by id, with a body that would be valid. Members belong to an
 * organization, not to a mode (docs/tenancy.md): their routes are sealed between tenants.
 */
function routesOn(ids: Awaited<ReturnType<typeof everything>>, members: boolean): [string, string, unknown?][] {
  const variant = ids.product.variants[0].id;
  const address = ids.customer.addresses[0].id;
  return [
    ['GET', `/v1/products/${ids.product.id}/variants`], ['POST', `/v1/products/${ids.product.id}/variants`, { sku: 'MINE', price: 1, currency: 'USD', inventory_quantity: 1 }],
    ['GET', `/v1/variants/${variant}`], ['PATCH', `/v1/variants/${variant}`, { price: 1 }], ['POST', `/v1/variants/${variant}/inventory`, { adjustment: -1 }],
    ['DELETE', `/v1/variants/${variant}`],
    ['GET', `/v1/products/${ids.product.id}/images`], ['POST', `/v1/products/${ids.product.id}/images`, { url: 'https://cdn.example.com/mine.png' }],
    ['PATCH', `/v1/images/${ids.image.id}`, { alt: 'mine' }], ['DELETE', `/v1/images/${ids.image.id}`], ['GET', `/v1/images/${ids.image.id}/content`],
    ['GET', `/v1/customers/${ids.customer.id}/addresses`], ['POST', `/v1/customers/${ids.customer.id}/addresses`, { line1: 'x', city: 'y', country: 'US' }],
    ['PATCH', `/v1/customers/${ids.customer.id}/addresses/${address}`, { city: 'Mine' }], ['DELETE', `/v1/customers/${ids.customer.id}/addresses/${address}`],
    ['GET', `/v1/discounts/${ids.discount.id}`], ['PATCH', `/v1/discounts/${ids.discount.id}`, { name: 'Mine' }], ['DELETE', `/v1/discounts/${ids.discount.id}`],
    ['GET', `/v1/pages/${ids.page.id}`], ['PATCH', `/v1/pages/${ids.page.id}`, { title: 'Mine' }], ['DELETE', `/v1/pages/${ids.page.id}`],
    ['GET', `/v1/posts/${ids.post.id}`], ['PATCH', `/v1/posts/${ids.post.id}`, { title: 'Mine' }], ['DELETE', `/v1/posts/${ids.post.id}`],
    ...(ids.cart ? [['GET', `/v1/carts/${ids.cart.id}`], ['GET', `/v1/checkouts/${ids.checkout.id}`]] as [string, string][] : []),
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
  const discounted = await api.request('POST', '/v1/discounts', { token: intruder, body: { name: 'X', percent_off: 1, product_ids: [ids.product.id] } });
  t.is(discounted.status, 422);
  t.is(discounted.body.errors[0].pointer, '/product_ids/0');
  const theirs = new Set(Object.values(ids).filter(Boolean).map((r) => r.id));
  for (const list of ['/v1/products', '/v1/customers', '/v1/coupons', '/v1/orders', '/v1/events?limit=100', '/v1/discounts', '/v1/pages', '/v1/posts', '/v1/carts', '/v1/checkouts']) {
    const res = await api.request('GET', list, { token: intruder });
    t.is(res.status, 200);
    t.false(res.body.data.some((r: { id: string; data?: { id: string } }) => theirs.has(r.id) || theirs.has(r.data?.id ?? '')), list);
  }
  // Nothing the intruder tried changed the owner's resources.
  const order = await api.request('GET', `/v1/orders/${ids.order.id}`, { token: owner });
  t.like(order.body, { status: 'pending', metadata: {} });
  const product = (await api.request('GET', `/v1/products/${ids.product.id}`, { token: owner })).body;
  t.is(product.name, ids.product.name);
  t.deepEqual(product.variants, ids.product.variants);
  t.deepEqual(product.images, [ids.image]);
  t.deepEqual((await api.request('GET', `/v1/customers/${ids.customer.id}`, { token: owner })).body.addresses, ids.customer.addresses);
  for (const [list, resource] of [['discounts', ids.discount], ['pages', ids.page], ['posts', ids.post]] as const) {
    t.deepEqual((await api.request('GET', `/v1/${list}/${resource.id}`, { token: owner })).body, resource, list);
  }
}

test('another tenant holding our ids gets 404 on every route, 422 on references, and never sees our rows', async (t) => {
  const a = await tenantWithKey(api);
  const b = await tenantWithKey(api);
  const ids = await everything(a.key, a.tenant, 'live');
  await assertSealed(t, b.key, a.key, ids);
});

test('test-mode credentials cannot reach live data, nor live credentials test data', async (t) => {
  const { tenant, key: live } = await tenantWithKey(api);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  await assertSealed(t, testKey, live, await everything(live, tenant, 'live'), false);
  await assertSealed(t, live, testKey, await everything(testKey, tenant, 'test'), false);
});

test('row-level security hides every resource table from a connection with no tenant set', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  await everything(key, tenant, 'live');
  await api.request('PATCH', '/v1/settings', { token: key, body: { shop_name: 'Hidden' } });
  // Every table holding a tenant_id that the app role may read at all (the catalog test checks the rest).
  const { rows: tables } = await api.db.owner.query(`
    select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attname = 'tenant_id' and has_table_privilege('herald_app', c.oid, 'select')`);
  t.true(tables.length >= 24, 'the tenant tables are found');
  for (const { relname: table } of tables) {
    const { rows } = await api.db.app.query(`select count(*)::int as n from ${table}`);
    t.is(rows[0].n, 0, table);
  }
  const owner = await api.db.owner.query('select count(*)::int as n from products');
  t.true(owner.rows[0].n > 0, 'the rows exist; the app role just cannot see them');
});
