import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { withTenant } from '../../src/db/tenant.ts';

let api: TestApi;
test.before(async () => {
  api = await startApi();
  // The injected failures, after the resource rows of their transaction were written: inserting
  // the event of a product named "explode", or an event whose resource's metadata.explode names
  // the event's type; and inserting the outbox row of an event typed `boom.outbox`.
  await api.db.owner.query(`
    create function explode() returns trigger language plpgsql as $$
    begin raise exception 'injected failure'; end $$;
    create trigger explode_events before insert on events for each row
      when (new.data->'metadata'->>'explode' = new.type or new.data->>'name' = 'explode') execute function explode();
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
  const customer = await createCustomer(api, key);
  const coupon = await createCoupon(api, key);
  const order = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const other = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const writes: [string, string, unknown, string][] = [
    ['POST', '/v1/products', { name: 'Cup', variants: [{ sku: unique('s'), price: 1, currency: 'USD', inventory_quantity: 1 }] }, 'product.created'],
    ['PATCH', `/v1/products/${product.id}`, { name: 'Renamed' }, 'product.updated'],
    ['POST', '/v1/customers', { email: `${unique('c')}@example.com` }, 'customer.created'],
    ['PATCH', `/v1/customers/${customer.id}`, { name: 'Ada' }, 'customer.updated'],
    ['POST', '/v1/coupons', { code: unique('C'), amount_off: 100, currency: 'USD' }, 'coupon.created'],
    ['PATCH', `/v1/coupons/${coupon.id}`, { max_redemptions: 9 }, 'coupon.updated'],
    ['POST', '/v1/orders', { line_items: [{ variant_id: product.variants[0].id, quantity: 2 }] }, 'order.created'],
    ['PATCH', `/v1/orders/${order.id}`, { metadata: { a: 'b' } }, 'order.updated'],
    ['POST', `/v1/orders/${order.id}/pay`, undefined, 'order.paid'],
    ['POST', `/v1/orders/${order.id}/fulfill`, undefined, 'order.fulfilled'],
    ['POST', `/v1/orders/${other.id}/cancel`, undefined, 'order.cancelled'],
    ['POST', '/v1/events', { type: 'invoice.sent', data: { n: 1 } }, 'invoice.sent'],
    ['DELETE', `/v1/products/${product.id}`, undefined, 'product.deleted'],
    ['DELETE', `/v1/customers/${customer.id}`, undefined, 'customer.deleted'],
    ['DELETE', `/v1/coupons/${coupon.id}`, undefined, 'coupon.deleted'],
  ];
  for (const [method, path, body, type] of writes) {
    const before = method === 'DELETE' ? (await api.request('GET', path, { token: key })).body : undefined;
    const seen = await countFor('events', tenant.id);
    const res = await api.request(method, path, { token: key, body });
    t.true(res.status < 300, `${method} ${path}: ${res.status}`);
    t.is(await countFor('events', tenant.id), seen + 1, `${method} ${path}`);
    const { rows: [event] } = await api.db.owner.query('select * from events where tenant_id = $1 order by created_at desc, id desc limit 1', [tenant.id]);
    t.like(event, { type, mode: 'live' });
    t.deepEqual(type === 'invoice.sent' ? res.body.data : event.data, type === 'invoice.sent' ? event.data : before ?? res.body, type);
    const { rows: queued } = await api.db.owner.query('select mode from outbox where tenant_id = $1 and event_id = $2', [tenant.id, event.id]);
    t.deepEqual(queued, [{ mode: 'live' }], `${type} is queued once`);
  }
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
