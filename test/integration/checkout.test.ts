// The purchase flow end to end through the storefront host, as a browser would make it: a cart
// held by its token, items, a checkout quoting the totals, and its completion into an order.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createProduct, eventsOf, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopper, storefrontRequest } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

// Each test shops from its own loopback addresses: storefront writes are rate-limited per client.
let lastAddress = 10;
const shopperAt = (tenant: { slug: string }) => shopper(api, tenant, `127.0.${++lastAddress}.1`);

const variant = (overrides: Record<string, unknown> = {}) => ({ sku: unique('sku'), price: 1000, currency: 'USD', inventory_quantity: 5, ...overrides });

async function shop() {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { name: 'Lamp', variants: [variant({ price: 1111 }), variant({ price: 250 })] });
  const [lamp, bulb] = product.variants;
  return { tenant, key, product, lamp, bulb };
}

const stockOf = async (key: string, productId: string) =>
  (await api.request('GET', `/v1/products/${productId}`, { token: key })).body.variants.map((v: { inventory_quantity: number }) => v.inventory_quantity);
const countOrders = async (tenantId: string) => (await api.db.owner.query('select count(*)::int as n from orders where tenant_id = $1', [tenantId])).rows[0].n;

test('a shopper buys through the storefront: a cart, its items, a checkout, and a pending order holding its stock and coupon', async (t) => {
  const { tenant, key, product, lamp, bulb } = await shop();
  const coupon = await createCoupon(api, key, { percent_off: 10, max_redemptions: 5 });
  const shopper = shopperAt(tenant);

  const cart = await shopper.newCart();
  t.like(cart, { object: 'cart', status: 'open', currency: null, items: [], subtotal: 0 });
  t.regex(cart.id, /^cart_/);
  t.regex(cart.token, /^ct_[\w-]{32}$/);
  t.is((await shopper.add(lamp.id, 2)).status, 201);
  const merged = await shopper.add(lamp.id, 1);
  t.is(merged.body.items.length, 1, 'the same variant adds to its line');
  t.like(merged.body.items[0], { object: 'cart_item', variant_id: lamp.id, product_id: product.id, name: 'Lamp', sku: lamp.sku, unit_price: 1111, quantity: 3, amount: 3333, available: true });
  const withBulb = await shopper.add(bulb.id, 1);
  const bulbLine = withBulb.body.items[1];
  t.regex(bulbLine.id, /^cit_/);
  const changed = await shopper.send('PATCH', `/storefront/v1/carts/${cart.id}/items/${bulbLine.id}`, { body: { quantity: 4 } });
  t.is(changed.status, 200);
  t.like(changed.body, { currency: 'USD', subtotal: 3333 + 1000 });
  t.is((await shopper.send('DELETE', `/storefront/v1/carts/${cart.id}/items/${bulbLine.id}`)).status, 204);
  const read = await shopper.send('GET', `/storefront/v1/carts/${cart.id}`);
  t.is(read.status, 200);
  t.is(read.headers['cache-control'], 'no-store');
  t.like(read.body, { subtotal: 3333 });
  t.is(read.body.token, undefined, 'the token is shown once');

  const checkout = await shopper.checkout({ email: 'ada@example.com', coupon_code: coupon.code.toLowerCase() });
  t.is(checkout.status, 201);
  t.regex(checkout.body.id, /^chk_/);
  t.like(checkout.body, {
    object: 'checkout', cart_id: cart.id, status: 'open', email: 'ada@example.com', currency: 'USD', coupon_code: coupon.code,
    subtotal: 3333, discount: 333, total: 3000, discounts: [{ id: coupon.id, amount: 333 }], order_id: null,
  });
  t.like(checkout.body.shipping_address, { name: 'Ada Lovelace', line1: '1 Main St', line2: null, city: 'London', country: 'GB', phone: null });
  t.true(Math.abs(Date.parse(checkout.body.expires_at) - Date.parse(checkout.body.created_at) - 24 * 3_600_000) < 1_000, 'open for 24 hours');
  t.deepEqual(await stockOf(key, product.id), [5, 5], 'a checkout reserves nothing');

  const completed = await shopper.complete(checkout.body.id);
  t.is(completed.status, 200);
  t.like(completed.body, { status: 'completed', order: { status: 'pending', total: 3000, currency: 'USD', number: 1, name: '#1' } });
  t.is(completed.body.order_id, completed.body.order.id);
  t.deepEqual(await stockOf(key, product.id), [2, 5], 'the order holds its stock');
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 1, 'and its coupon');

  const order = (await api.request('GET', `/v1/orders/${completed.body.order_id}`, { token: key })).body;
  t.like(order, { status: 'pending', source: 'storefront', checkout_id: checkout.body.id, email: 'ada@example.com', coupon_code: coupon.code });
  for (const field of ['currency', 'subtotal', 'discount', 'discounts', 'total', 'shipping_address'] as const) t.deepEqual(order[field], checkout.body[field], field);
  t.deepEqual(order.line_items.map(({ id: _id, ...line }: Record<string, unknown>) => line), checkout.body.line_items);

  t.is((await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key })).status, 200);
  t.deepEqual(await stockOf(key, product.id), [2, 5], 'paying takes nothing more');
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 1);

  const closed = await shopper.add(lamp.id, 1);
  t.is(closed.status, 409, 'a checked-out cart takes no more changes');
  t.is((await shopper.checkout()).status, 409);
  t.is((await shopper.complete(checkout.body.id)).status, 409, 'completing twice');
  t.is(await countOrders(tenant.id), 1);

  const [created] = await eventsOf(api, key, 'cart.created');
  t.like(created.data, { id: cart.id, items: [] });
  t.is(created.data.token, undefined, 'events never carry the token');
  t.is((await eventsOf(api, key, 'cart.updated')).length, 5, 'two adds, one more, a change, a removal');
  t.deepEqual((await eventsOf(api, key, 'checkout.created'))[0].data.id, checkout.body.id);
  const types = (await api.request('GET', '/v1/events?limit=4', { token: key })).body.data.map((e: { type: string }) => e.type);
  t.deepEqual(types, ['order.paid', 'order.created', 'checkout.completed', 'checkout.created']);
  t.deepEqual((await eventsOf(api, key, 'order.created'))[0].data, { ...order, status: 'pending', updated_at: (await eventsOf(api, key, 'order.created'))[0].data.updated_at, paid_at: null });
});

test('cancelling a pending storefront order returns its stock and its coupon', async (t) => {
  const { tenant, key, product, lamp } = await shop();
  const coupon = await createCoupon(api, key, { max_redemptions: 1 });
  const shopper = shopperAt(tenant);
  await shopper.newCart([{ variant_id: lamp.id, quantity: 2 }]);
  const checkout = (await shopper.checkout({ coupon_code: coupon.code })).body;
  const { order_id } = (await shopper.complete(checkout.id)).body;
  t.deepEqual(await stockOf(key, product.id), [3, 5]);
  const cancelled = await api.request('POST', `/v1/orders/${order_id}/cancel`, { token: key });
  t.is(cancelled.status, 200);
  t.deepEqual(await stockOf(key, product.id), [5, 5]);
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 0);
});

test('two shoppers racing for the last unit: exactly one order, one 409, nothing half-done', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { variants: [variant({ inventory_quantity: 1 })] });
  const [last] = product.variants;
  const coupon = await createCoupon(api, key, { max_redemptions: 10 });
  const shoppers = [shopperAt(tenant), shopperAt(tenant)];
  const checkouts: any[] = [];
  for (const s of shoppers) {
    await s.newCart([{ variant_id: last.id, quantity: 1 }]);
    checkouts.push((await s.checkout({ coupon_code: coupon.code })).body);
  }
  const results = await Promise.all(shoppers.map((s, i) => s.complete(checkouts[i].id)));
  t.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
  const loser = results.findIndex((r) => r.status === 409);
  t.regex(results[loser].body.detail, /insufficient inventory/);
  t.is(await countOrders(tenant.id), 1);
  t.deepEqual(await stockOf(key, product.id), [0]);
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 1);
  t.like((await api.request('GET', `/v1/checkouts/${checkouts[loser].id}`, { token: key })).body, { status: 'open', order_id: null });
  t.is((await eventsOf(api, key, 'checkout.completed')).length, 1);
  t.is((await eventsOf(api, key, 'order.created')).length, 1);
  // The loser's cart is still open: it may change and try again once restocked.
  await api.request('POST', `/v1/variants/${last.id}/inventory`, { token: key, body: { adjustment: 1 } });
  t.is((await shoppers[loser].complete(checkouts[loser].id)).status, 200);
});

test('a coupon and an automatic discount on one checkout: the best discount first, the coupon on the rest, and the order agrees to the minor unit', async (t) => {
  const { tenant, key, lamp, bulb } = await shop();
  const other = await createProduct(api, key, { variants: [variant()] });
  const discount = (body: Record<string, unknown>) => api.request('POST', '/v1/discounts', { token: key, body: { name: unique('d'), ...body } });
  const best = (await discount({ amount_off: 600, currency: 'USD' })).body;
  await discount({ percent_off: 10 }); // 333: less than 600
  await discount({ percent_off: 40, product_ids: [other.id] }); // covers no line of the checkout
  await discount({ percent_off: 50, currency: 'USD', min_subtotal: 100_000 }); // the subtotal is short of it
  await discount({ percent_off: 50, currency: 'EUR' }); // another currency
  await discount({ percent_off: 50, active: false });
  await discount({ percent_off: 50, ends_at: '2020-01-01T00:00:00Z' });
  await discount({ percent_off: 50, starts_at: '2999-01-01T00:00:00Z' });
  const coupon = await createCoupon(api, key, { percent_off: 15 });
  const shopper = shopperAt(tenant);
  await shopper.newCart([{ variant_id: lamp.id, quantity: 3 }]);
  const checkout = (await shopper.checkout({ coupon_code: coupon.code })).body;
  // 3 × 1111 = 3333; 600 off; 15 % of the remaining 2733 is 409.95 → 410 (half up).
  t.like(checkout, { subtotal: 3333, discount: 1010, total: 2323 });
  t.deepEqual(checkout.discounts, [{ id: best.id, amount: 600 }, { id: coupon.id, amount: 410 }]);
  const { order_id } = (await shopper.complete(checkout.id)).body;
  const order = (await api.request('GET', `/v1/orders/${order_id}`, { token: key })).body;
  t.like(order, { subtotal: 3333, discount: 1010, total: 2323 });
  t.deepEqual(order.discounts, checkout.discounts);

  // The same rules price POST /v1/orders: here a percentage of one product's lines only.
  const otherOnly = (await discount({ percent_off: 50, product_ids: [other.id] })).body;
  const lines = { line_items: [{ variant_id: lamp.id, quantity: 1 }, { variant_id: other.variants[0].id, quantity: 1 }, { variant_id: bulb.id, quantity: 2 }] };
  const apiOrder = await api.request('POST', '/v1/orders', { token: key, body: lines });
  t.like(apiOrder.body, { subtotal: 2611, discount: 600, total: 2011 }, '600 off beats half of the other product (500)');
  await api.request('PATCH', `/v1/discounts/${best.id}`, { token: key, body: { active: false } });
  const again = await api.request('POST', '/v1/orders', { token: key, body: lines });
  t.like(again.body, { subtotal: 2611, discount: 500, total: 2111 });
  t.deepEqual(again.body.discounts, [{ id: otherOnly.id, amount: 500 }]);
});

test('another tenant\'s, an inactive, an unknown or an other-currency variant in a cart is a 422; so are bad quantities and a 51st line', async (t) => {
  const { tenant, key, lamp } = await shop();
  const other = await shop();
  const hidden = await createProduct(api, key, { active: false });
  const euro = await createProduct(api, key, { variants: [variant({ currency: 'EUR' })] });
  const many = await createProduct(api, key, { variants: Array.from({ length: 51 }, () => variant()) });
  const shopper = shopperAt(tenant);
  await shopper.newCart([{ variant_id: lamp.id, quantity: 1 }]);
  const cases: [Record<string, unknown>, string][] = [
    [{ variant_id: other.lamp.id, quantity: 1 }, '/variant_id'],
    [{ variant_id: hidden.variants[0].id, quantity: 1 }, '/variant_id'],
    [{ variant_id: 'var_00000000000000000000000000', quantity: 1 }, '/variant_id'],
    [{ variant_id: euro.variants[0].id, quantity: 1 }, '/variant_id'],
    [{ variant_id: lamp.id, quantity: 0 }, '/quantity'],
    [{ variant_id: lamp.id, quantity: 1000 }, '/quantity'],
    [{ variant_id: lamp.id, quantity: 999 }, '/quantity'], // 1 + 999 on one line
  ];
  for (const [body, pointer] of cases) {
    const res = await shopper.send('POST', `/storefront/v1/carts/${shopper.cart!.id}/items`, { body });
    t.is(res.status, 422, JSON.stringify(body));
    t.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), [pointer]);
  }
  t.is((await shopper.send('POST', `/storefront/v1/carts/${shopper.cart!.id}/items`, { body: { variant_id: lamp.id, quantity: '2' } })).status, 400);
  t.is((await shopper.send('POST', `/storefront/v1/carts/${shopper.cart!.id}/items`, { body: { variant_id: lamp.id, quantity: 1.5 } })).status, 400);

  const full = shopperAt(tenant);
  await full.newCart(many.variants.slice(0, 50).map((v: { id: string }) => ({ variant_id: v.id, quantity: 1 })));
  const tooMany = await full.add(many.variants[50].id);
  t.is(tooMany.status, 422);
  t.regex(tooMany.body.detail, /at most 50 lines/);
  const atOnce = await storefrontRequest(api, '/storefront/v1/carts', {
    method: 'POST', host: full.host, localAddress: '127.0.9.1', body: { items: many.variants.map((v: { id: string }) => ({ variant_id: v.id, quantity: 1 })) },
  });
  t.is(atOnce.status, 422);
  t.deepEqual(atOnce.body.errors.map((e: { pointer: string }) => e.pointer), ['/items/50/variant_id']);
  t.is((await api.request('GET', `/v1/carts/${shopper.cart!.id}`, { token: key })).body.items[0].quantity, 1, 'nothing was added');
});

test('a wrong or missing cart token, another cart\'s token and another shop\'s cart id are all 404 on every cart route', async (t) => {
  const { tenant, lamp } = await shop();
  const other = await shop();
  const mine = shopperAt(tenant);
  await mine.newCart([{ variant_id: lamp.id, quantity: 1 }]);
  const item = (await mine.send('GET', `/storefront/v1/carts/${mine.cart!.id}`)).body.items[0];
  const checkout = (await mine.checkout()).body;
  const secondCart = shopperAt(tenant);
  await secondCart.newCart();
  const elsewhere = shopperAt(other.tenant);
  await elsewhere.newCart();
  const routes: [string, string, unknown?][] = [
    ['GET', `/storefront/v1/carts/${mine.cart!.id}`],
    ['POST', `/storefront/v1/carts/${mine.cart!.id}/items`, { variant_id: lamp.id, quantity: 1 }],
    ['PATCH', `/storefront/v1/carts/${mine.cart!.id}/items/${item.id}`, { quantity: 2 }],
    ['DELETE', `/storefront/v1/carts/${mine.cart!.id}/items/${item.id}`],
    ['POST', `/storefront/v1/carts/${mine.cart!.id}/checkout`, { email: 'a@example.com', shipping_address: { name: 'A', line1: 'x', city: 'y', country: 'FR' } }],
    ['POST', `/storefront/v1/checkouts/${checkout.id}/complete`],
  ];
  const held = mine.cart!;
  const tokens: [string, Record<string, string>][] = [
    ['no token', {}], ['a wrong token', { 'cart-token': `${held.token}x` }], ['another cart\'s token', { 'cart-token': secondCart.cart!.token }],
  ];
  mine.hold(undefined);
  for (const [method, path, body] of routes) {
    for (const [what, headers] of tokens) {
      const res = await mine.send(method, path, { body, headers });
      t.is(res.status, 404, `${method} ${path} with ${what}`);
      t.is(res.headers['content-type'], 'application/problem+json');
    }
    // The right token at another shop's host: that shop has no such cart.
    const res = await storefrontRequest(api, path, { method, host: elsewhere.host, localAddress: '127.0.8.1', body, headers: { 'cart-token': held.token } });
    t.is(res.status, 404, `${method} ${path} at another shop`);
  }
  mine.hold(held);
  t.is((await mine.send('GET', `/storefront/v1/carts/${held.id}`)).body.items[0].quantity, 1, 'nothing changed');
  t.is((await mine.complete(checkout.id)).status, 200, 'the holder still completes it');
});

test('an Idempotency-Key on a storefront write replays within one cart\'s token and is independent across carts', async (t) => {
  const { tenant, key, lamp } = await shop();
  const a = shopperAt(tenant);
  const b = shopperAt(tenant);
  await a.newCart();
  await b.newCart();
  const add = (s: ReturnType<typeof shopperAt>) =>
    s.send('POST', `/storefront/v1/carts/${s.cart!.id}/items`, { body: { variant_id: lamp.id, quantity: 1 }, headers: { 'idempotency-key': 'add-lamp' } });
  const first = await add(a);
  const replay = await add(a);
  t.is(replay.status, 201);
  t.is(replay.headers['idempotent-replayed'], 'true');
  t.deepEqual(replay.body, first.body);
  t.is(first.body.items[0].quantity, 1, 'added once');
  const other = await add(b);
  t.is(other.status, 201);
  t.is(other.headers['idempotent-replayed'], undefined, 'another cart\'s key is its own');
  const changed = await a.send('POST', `/storefront/v1/carts/${a.cart!.id}/items`, { body: { variant_id: lamp.id, quantity: 2 }, headers: { 'idempotency-key': 'add-lamp' } });
  t.is(changed.status, 422, 'the same key with another body');
  t.is((await api.request('GET', `/v1/carts/${a.cart!.id}`, { token: key })).body.items[0].quantity, 1);
  // Cart creation has no token yet: it ignores the key rather than replaying someone else's cart.
  const created = await Promise.all([0, 1].map(() => a.send('POST', '/storefront/v1/carts', { body: {}, headers: { 'idempotency-key': 'new-cart' } })));
  t.not(created[0].body.id, created[1].body.id);
});

test('a checkout needs items, a known coupon, an email and a shipping address', async (t) => {
  const { tenant, key, lamp } = await shop();
  const s = shopperAt(tenant);
  await s.newCart();
  const empty = await s.checkout();
  t.is(empty.status, 422);
  t.regex(empty.body.detail, /empty/);
  await s.add(lamp.id, 1);
  const coupon = await s.checkout({ coupon_code: 'NOPE' });
  t.is(coupon.status, 422);
  t.is(coupon.body.errors[0].pointer, '/coupon_code');
  const expiredCoupon = await createCoupon(api, key, { valid_until: '2020-01-01T00:00:00Z' });
  t.is((await s.checkout({ coupon_code: expiredCoupon.code })).body.errors[0].pointer, '/coupon_code');
  for (const [body, pointer] of [
    [{ email: 'not-an-email' }, '/email'],
    [{ shipping_address: { line1: '1 Main St', city: 'London', country: 'GB' } }, '/shipping_address/name'],
    [{ shipping_address: { name: 'A', line1: '1 Main St', city: 'London', country: 'XX' } }, '/shipping_address/country'],
    [{ tip: 5 }, '/tip'],
  ] as const) {
    const res = await s.checkout(body);
    t.is(res.status, 400, JSON.stringify(body));
    t.true(res.body.errors.some((e: { pointer: string }) => e.pointer === pointer), pointer);
  }
  t.is((await eventsOf(api, key, 'checkout.created')).length, 0);
});

test('a line no longer sold blocks its checkout (422 naming it) and the completion of a checkout made before (409)', async (t) => {
  const { tenant, key, product, lamp, bulb } = await shop();
  const s = shopperAt(tenant);
  await s.newCart([{ variant_id: bulb.id, quantity: 1 }, { variant_id: lamp.id, quantity: 1 }]);
  const checkout = (await s.checkout()).body;
  await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { active: false } });
  const cart = (await s.send('GET', `/storefront/v1/carts/${s.cart!.id}`)).body;
  t.deepEqual(cart.items.map((i: { available: boolean }) => i.available), [false, false]);
  const again = await s.checkout();
  t.is(again.status, 422);
  t.deepEqual(again.body.errors.map((e: { pointer: string }) => e.pointer), ['/items/0/variant_id', '/items/1/variant_id']);
  const completed = await s.complete(checkout.id);
  t.is(completed.status, 409);
  t.regex(completed.body.detail, /no longer sold/);
  t.deepEqual(await stockOf(key, product.id), [5, 5]);
});

test('browsers on another origin may shop: preflights allow the cart methods and the cart-token header, answers allow any origin', async (t) => {
  const { tenant, lamp } = await shop();
  const origin = 'https://my-shop-frontend.example';
  const preflight = (path: string, method: string) => storefrontRequest(api, path, {
    method: 'OPTIONS', host: `${tenant.slug}.shops.localhost`,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, cart-token, idempotency-key' },
  });
  for (const [path, method] of [
    ['/storefront/v1/carts', 'POST'], ['/storefront/v1/carts/cart_x', 'GET'], ['/storefront/v1/carts/cart_x/items', 'POST'],
    ['/storefront/v1/carts/cart_x/items/cit_x', 'PATCH'], ['/storefront/v1/carts/cart_x/items/cit_x', 'DELETE'],
    ['/storefront/v1/carts/cart_x/checkout', 'POST'], ['/storefront/v1/checkouts/chk_x/complete', 'POST'],
  ]) {
    const res = await preflight(path, method);
    t.is(res.status, 204, `${method} ${path}`);
    t.is(res.headers['access-control-allow-origin'], '*');
    t.true(res.headers['access-control-allow-methods']!.split(', ').includes(method), `${method} ${path}`);
    for (const header of ['Cart-Token', 'Content-Type', 'Idempotency-Key']) t.true(res.headers['access-control-allow-headers']!.includes(header), header);
  }
  const s = shopperAt(tenant);
  const created = await s.send('POST', '/storefront/v1/carts', { body: {}, headers: { origin } });
  t.is(created.headers['access-control-allow-origin'], '*');
  const cart = { id: created.body.id, token: created.body.token };
  s.hold(cart);
  const added = await s.send('POST', `/storefront/v1/carts/${cart.id}/items`, { body: { variant_id: lamp.id, quantity: 1 }, headers: { origin } });
  t.is(added.headers['access-control-allow-origin'], '*');
  const missing = await s.send('GET', '/storefront/v1/carts/cart_x', { headers: { origin } });
  t.is(missing.status, 404);
  t.is(missing.headers['access-control-allow-origin'], '*', 'errors too');
  t.regex(String(missing.headers['access-control-expose-headers']), /Idempotent-Replayed/);
});

test('one client address makes at most 60 storefront writes a minute; its reads go on, other addresses are not held back', async (t) => {
  const { tenant } = await shop();
  // Windows are whole minutes of the database's clock: start far enough from the next one.
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 200));
  const s = shopperAt(tenant);
  const statuses: number[] = [];
  for (let i = 0; i < 61; i++) statuses.push((await s.send('POST', '/storefront/v1/carts', { body: {} })).status);
  t.deepEqual([...new Set(statuses.slice(0, 60))], [201]);
  t.is(statuses[60], 429);
  t.is((await s.send('GET', '/storefront/v1/products')).status, 200, 'reads have their own, larger allowance');
  t.is((await shopperAt(tenant).send('POST', '/storefront/v1/carts', { body: {} })).status, 201);
});

test('secret keys read carts and checkouts; publishable keys may not; test mode holds none', async (t) => {
  const { tenant, key, lamp } = await shop();
  const s = shopperAt(tenant);
  await s.newCart([{ variant_id: lamp.id, quantity: 2 }]);
  const checkout = (await s.checkout()).body;
  const cart = (await s.send('GET', `/storefront/v1/carts/${s.cart!.id}`)).body;
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  t.deepEqual((await api.request('GET', `/v1/carts/${cart.id}`, { token: viewer })).body, cart);
  t.deepEqual((await api.request('GET', '/v1/carts', { token: viewer })).body, { data: [cart], has_more: false, next_cursor: null });
  t.deepEqual((await api.request('GET', `/v1/checkouts/${checkout.id}`, { token: viewer })).body, checkout);
  t.deepEqual((await api.request('GET', '/v1/checkouts', { token: key })).body.data, [checkout]);
  const { key: publishable } = await tenant.key({ kind: 'publishable' });
  for (const path of ['/v1/carts', `/v1/carts/${cart.id}`, '/v1/checkouts', `/v1/checkouts/${checkout.id}`]) {
    t.is((await api.request('GET', path, { token: publishable })).status, 403, path);
  }
  const { key: testKey } = await tenant.key({ mode: 'test' });
  t.is((await api.request('GET', `/v1/carts/${cart.id}`, { token: testKey })).status, 404);
  t.deepEqual((await api.request('GET', '/v1/checkouts', { token: testKey })).body.data, []);
});
