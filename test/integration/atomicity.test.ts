import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { apiRoutes } from '../../src/http/app.ts';
import { shopper, storefrontRequest } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => {
  api = await startApi();
  // The injected failures, after the resource rows of their transaction were written: inserting
  // the event of a product named "explode", an event whose resource's metadata.explode names the
  // event's type, or the order.created of a storefront order for explode@example.com; and
  // inserting the outbox row of an event typed `boom.outbox`.
  await api.db.owner.query(`
    create function explode() returns trigger language plpgsql as $$
    begin raise exception 'injected failure'; end $$;
    create trigger explode_events before insert on events for each row
      when (new.data->'metadata'->>'explode' = new.type or new.data->>'name' = 'explode'
            or (new.type = 'order.created' and new.data->>'email' = 'explode@example.com')) execute function explode();
    create function explode_outbox() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from events e where e.tenant_id = new.tenant_id and e.id = new.event_id and e.type = 'boom.outbox') then
        raise exception 'injected failure';
      end if;
      return new;
    end $$;
    create trigger explode_outbox before insert on outbox for each row execute function explode_outbox();`);
});
test.after.always(async () => { await api?.close(); });

const address = { line1: '1 Main St', city: 'Springfield', country: 'US' };

const countFor = async (table: string, tenantId: string) =>
  (await api.db.owner.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId])).rows[0].n;

test('a failed event insert leaves neither the product, its variants, an event nor an outbox row', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const res = await api.request('POST', '/v1/products', { token: key, body: { name: 'explode', variants: [{ sku: unique('s'), price: 1, currency: 'USD', inventory_quantity: 1 }] } });
  t.is(res.status, 500);
  t.is(res.headers.get('content-type'), 'application/problem+json');
  for (const table of ['products', 'variants', 'events', 'outbox']) t.is(await countFor(table, tenant.id), 0, table);
});

test('a failed outbox insert leaves no event either', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const res = await api.request('POST', '/v1/events', { token: key, body: { type: 'boom.outbox', data: {} } });
  t.is(res.status, 500);
  for (const table of ['events', 'outbox']) t.is(await countFor(table, tenant.id), 0, table);
});

test('a failed order.created leaves no order or line items; a failed order.paid takes no stock', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const variant = product.variants[0];
  const failed = await api.request('POST', '/v1/orders', { token: key, body: { metadata: { explode: 'order.created' }, line_items: [{ variant_id: variant.id, quantity: 1 }] } });
  t.is(failed.status, 500);
  t.is(await countFor('orders', tenant.id), 0);
  t.is(await countFor('order_line_items', tenant.id), 0);
  const order = await createOrder(api, key, { metadata: { explode: 'order.paid' }, line_items: [{ variant_id: variant.id, quantity: 2 }] });
  t.is((await api.request('POST', `/v1/orders/${order.id}/pay`, { token: key })).status, 500);
  t.is((await api.request('GET', `/v1/orders/${order.id}`, { token: key })).body.status, 'pending');
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.variants[0].inventory_quantity, variant.inventory_quantity);
});

test('a successful write leaves exactly one event and one outbox row, with its tenant, mode and payload', async (t) => {
  const { tenant } = await tenantWithKey(api);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  const product = await createProduct(api, testKey);
  const events = (await api.db.owner.query('select * from events where tenant_id = $1', [tenant.id])).rows;
  t.is(events.length, 1);
  t.like(events[0], { tenant_id: tenant.id, mode: 'test', type: 'product.created', previous_attributes: null });
  t.deepEqual(events[0].data, product);
  const outbox = (await api.db.owner.query('select * from outbox where tenant_id = $1', [tenant.id])).rows;
  t.is(outbox.length, 1);
  t.like(outbox[0], { tenant_id: tenant.id, mode: 'test', event_id: events[0].id });
});

test('an Idempotency-Key request that fails leaves no record, resource, event or outbox row', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const res = await api.request('POST', '/v1/products', {
    token: key, headers: { 'idempotency-key': 'doomed' }, body: { name: 'explode', variants: [{ sku: unique('s'), price: 1, currency: 'USD', inventory_quantity: 1 }] },
  });
  t.is(res.status, 500);
  for (const table of ['idempotency_keys', 'products', 'events', 'outbox']) t.is(await countFor(table, tenant.id), 0, table);
});

test('every write route records exactly one event and one outbox row, whose data is what the API answered', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const customer = await createCustomer(api, key, { addresses: [address] });
  const coupon = await createCoupon(api, key);
  const order = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const other = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const variant = (await api.request('POST', `/v1/products/${product.id}/variants`, { token: key, body: { sku: unique('s'), price: 5, currency: 'USD', inventory_quantity: 9 } })).body;
  const image = (await api.request('POST', `/v1/products/${product.id}/images`, { token: key, body: { url: 'https://cdn.example.com/a.png' } })).body;
  const discount = (await api.request('POST', '/v1/discounts', { token: key, body: { name: 'D', percent_off: 1 } })).body;
  const page = (await api.request('POST', '/v1/pages', { token: key, body: { title: 'P', handle: unique('p') } })).body;
  const post = (await api.request('POST', '/v1/posts', { token: key, body: { title: 'P', handle: unique('p') } })).body;
  const s = shopper(api, tenant, '127.0.3.1');
  await s.newCart([{ variant_id: variant.id, quantity: 1 }]);
  const cart = s.cart!;
  const item = (await s.send('GET', `/storefront/v1/carts/${cart.id}`)).body.items[0];
  const checkout = (await s.checkout()).body;
  const shop = `${tenant.slug}.shops.localhost`;
  const read = async (path: string) => (await api.request('GET', path, { token: key })).body;
  const withoutToken = ({ token: _token, ...rest }: Record<string, unknown>) => rest;
  // [method, path, body, the event types, what their data must be (default: the answer, or for a
  // DELETE the resource as it was)]; storefront paths go to the shop's host with the cart's token.
  type Write = [string, string, unknown, string[], ((answer: any) => Promise<unknown[]> | unknown[])?];
  const writes: Write[] = [
    ['POST', '/v1/products', { name: 'Cup', variants: [{ sku: unique('s'), price: 1, currency: 'USD', inventory_quantity: 1 }] }, ['product.created']],
    ['PATCH', `/v1/products/${product.id}`, { name: 'Renamed' }, ['product.updated']],
    ['POST', `/v1/products/${product.id}/variants`, { sku: unique('s'), price: 1, currency: 'USD', inventory_quantity: 1 }, ['variant.created']],
    ['PATCH', `/v1/variants/${variant.id}`, { price: 7 }, ['variant.updated']],
    ['POST', `/v1/variants/${variant.id}/inventory`, { adjustment: -1 }, ['variant.updated']],
    ['POST', `/v1/products/${product.id}/images`, { url: 'https://cdn.example.com/b.png' }, ['product.updated'], async () => [await read(`/v1/products/${product.id}`)]],
    ['PATCH', `/v1/images/${image.id}`, { alt: 'A' }, ['product.updated'], async () => [await read(`/v1/products/${product.id}`)]],
    ['DELETE', `/v1/images/${image.id}`, undefined, ['product.updated'], async () => [await read(`/v1/products/${product.id}`)]],
    ['POST', '/v1/customers', { email: `${unique('c')}@example.com` }, ['customer.created']],
    ['PATCH', `/v1/customers/${customer.id}`, { name: 'Ada' }, ['customer.updated']],
    ['POST', `/v1/customers/${customer.id}/addresses`, address, ['customer.updated'], async () => [await read(`/v1/customers/${customer.id}`)]],
    ['PATCH', `/v1/customers/${customer.id}/addresses/${customer.addresses[0].id}`, { city: 'Elsewhere' }, ['customer.updated'], async () => [await read(`/v1/customers/${customer.id}`)]],
    ['DELETE', `/v1/customers/${customer.id}/addresses/${customer.addresses[0].id}`, undefined, ['customer.updated'], async () => [await read(`/v1/customers/${customer.id}`)]],
    ['POST', '/v1/coupons', { code: unique('C'), amount_off: 100, currency: 'USD' }, ['coupon.created']],
    ['PATCH', `/v1/coupons/${coupon.id}`, { max_redemptions: 9 }, ['coupon.updated']],
    ['POST', '/v1/discounts', { name: 'E', amount_off: 1, currency: 'USD' }, ['discount.created']],
    ['PATCH', `/v1/discounts/${discount.id}`, { active: false }, ['discount.updated']],
    ['POST', '/v1/orders', { line_items: [{ variant_id: product.variants[0].id, quantity: 2 }] }, ['order.created']],
    ['PATCH', `/v1/orders/${order.id}`, { metadata: { a: 'b' } }, ['order.updated']],
    ['POST', `/v1/orders/${order.id}/pay`, undefined, ['order.paid']],
    ['POST', `/v1/orders/${order.id}/fulfill`, undefined, ['order.fulfilled']],
    ['POST', `/v1/orders/${other.id}/cancel`, undefined, ['order.cancelled']],
    ['POST', '/v1/pages', { title: 'Q', handle: unique('q') }, ['page.created']],
    ['PATCH', `/v1/pages/${page.id}`, { published: true }, ['page.updated']],
    ['POST', '/v1/posts', { title: 'Q', handle: unique('q') }, ['post.created']],
    ['PATCH', `/v1/posts/${post.id}`, { tags: ['x'] }, ['post.updated']],
    ['PATCH', '/v1/settings', { shop_name: 'Atomic' }, ['settings.updated']],
    ['POST', '/v1/events', { type: 'invoice.sent', data: { n: 1 } }, ['invoice.sent'], (answer) => [answer.data]],
    ['POST', '/storefront/v1/carts', {}, ['cart.created'], (answer) => [withoutToken(answer)]],
    ['POST', `/storefront/v1/carts/${cart.id}/items`, { variant_id: product.variants[0].id, quantity: 1 }, ['cart.updated']],
    ['PATCH', `/storefront/v1/carts/${cart.id}/items/${item.id}`, { quantity: 2 }, ['cart.updated']],
    ['DELETE', `/storefront/v1/carts/${cart.id}/items/${item.id}`, undefined, ['cart.updated'], async () => [(await s.send('GET', `/storefront/v1/carts/${cart.id}`)).body]],
    ['POST', `/storefront/v1/carts/${cart.id}/checkout`, { email: 'a@example.com', shipping_address: { name: 'A', line1: 'x', city: 'y', country: 'FR' } }, ['checkout.created']],
    ['POST', `/storefront/v1/checkouts/${checkout.id}/complete`, undefined, ['checkout.completed', 'order.created'],
      async ({ order: _summary, ...completed }) => [completed, await read(`/v1/orders/${completed.order_id}`)]],
    ['DELETE', `/v1/variants/${variant.id}`, undefined, ['variant.deleted']],
    ['DELETE', `/v1/products/${product.id}`, undefined, ['product.deleted']],
    ['DELETE', `/v1/customers/${customer.id}`, undefined, ['customer.deleted']],
    ['DELETE', `/v1/coupons/${coupon.id}`, undefined, ['coupon.deleted']],
    ['DELETE', `/v1/discounts/${discount.id}`, undefined, ['discount.deleted']],
    ['DELETE', `/v1/pages/${page.id}`, undefined, ['page.deleted']],
    ['DELETE', `/v1/posts/${post.id}`, undefined, ['post.deleted']],
  ];
  // Every write route of the resources and the storefront is in the list above.
  const templates = new Set(writes.map(([method, path]) => `${method} ${apiRoutes.find((r) => r.method.toUpperCase() === method && new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`).test(path))?.path}`));
  const resourceWrites = apiRoutes.filter((r) => r.method !== 'get' && /^\/(v1\/(products|variants|images|customers|coupons|discounts|orders|pages|posts|settings|events)|storefront\/)/.test(r.path));
  t.deepEqual(resourceWrites.map((r) => `${r.method.toUpperCase()} ${r.path}`).filter((w) => !templates.has(w)), []);
  for (const [method, path, body, types, expected] of writes) {
    const before = method === 'DELETE' && !expected ? await read(path) : undefined;
    const seen = await countFor('events', tenant.id);
    const res = path.startsWith('/storefront')
      ? await storefrontRequest(api, path, { method, host: shop, body, localAddress: '127.0.3.1', headers: { 'cart-token': cart.token } })
      : await api.request(method, path, { token: key, body });
    t.true(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    t.is(await countFor('events', tenant.id), seen + types.length, `${method} ${path}`);
    const { rows: events } = await api.db.owner.query('select * from events where tenant_id = $1 order by created_at desc, id desc limit $2', [tenant.id, types.length]);
    events.reverse();
    t.deepEqual(events.map((e) => e.type), types, `${method} ${path}`);
    t.true(events.every((e) => e.mode === 'live'));
    t.deepEqual(events.map((e) => e.data), expected ? await expected(res.body) : [before ?? res.body], `${method} ${path}`);
    for (const event of events) {
      const { rows: queued } = await api.db.owner.query('select mode from outbox where tenant_id = $1 and event_id = $2', [tenant.id, event.id]);
      t.deepEqual(queued, [{ mode: 'live' }], `${event.type} is queued once`);
    }
  }
});

test('a failed order.created on checkout completion leaves the checkout open and takes no stock or coupon', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const coupon = await createCoupon(api, key);
  const s = shopper(api, tenant, '127.0.4.1');
  await s.newCart([{ variant_id: product.variants[0].id, quantity: 2 }]);
  const checkout = (await s.checkout({ email: 'explode@example.com', coupon_code: coupon.code })).body;
  const res = await s.complete(checkout.id);
  t.is(res.status, 500);
  t.like((await api.request('GET', `/v1/checkouts/${checkout.id}`, { token: key })).body, { status: 'open', order_id: null });
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.variants[0].inventory_quantity, product.variants[0].inventory_quantity);
  t.is((await api.request('GET', `/v1/coupons/${coupon.id}`, { token: key })).body.times_redeemed, 0);
  t.is(await countFor('orders', tenant.id), 0);
  t.is((await api.db.owner.query(`select count(*)::int as n from events where tenant_id = $1 and type = 'checkout.completed'`, [tenant.id])).rows[0].n, 0);
  t.is((await s.add(product.variants[0].id)).status, 201, 'the cart is still open');
});

test('events are immutable: the application role may not change or delete them', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  await createProduct(api, key);
  for (const statement of ["update events set type = 'x.y'", 'delete from events']) {
    const err = await t.throwsAsync(withTenant(api.db.app, { tenantId: tenant.id, mode: 'live' }, (tx) => tx.query(statement)));
    t.regex(err!.message, /permission denied/);
  }
  t.is(await countFor('events', tenant.id), 1);
});
