// The event catalog (GET /v1/event-types) against what Herald really emits: every built-in type is
// driven through the API (the storefront, the worker and housekeeping where they emit it), and
// each event's data is validated against its type's JSON Schema by a maintained validator (Ajv,
// JSON Schema 2020-12) — a presenter that drifts from its schema fails here.
import test from 'ava';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { RESERVED_NAMESPACES } from '../../src/services/events.ts';
import { expireCheckouts } from '../../src/services/housekeeping.ts';
import { createCoupon, createCustomer, createOrder, createProduct, unique } from '../helpers/commerce.ts';
import { useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopper } from '../helpers/storefront.ts';

const { stack, newReceiver } = useDeliveryStack(test);

/** DESIGN §4's list of the events writes emit, plus the operator and test events. */
const DESIGN_TYPES = [
  ...['product', 'variant', 'customer', 'coupon', 'discount', 'page', 'post'].flatMap((n) => ['created', 'updated', 'deleted'].map((v) => `${n}.${v}`)),
  ...['created', 'updated', 'paid', 'fulfilled', 'cancelled'].map((v) => `order.${v}`),
  'cart.created', 'cart.updated', 'checkout.created', 'checkout.completed', 'checkout.expired', 'settings.updated',
  'endpoint.disabled', 'webhook.test',
];

test('the catalog lists every built-in type with a description and a JSON Schema of its data; its namespaces are the reserved ones', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api, { role: 'viewer' });
  const res = await api.request('GET', '/v1/event-types', { token: key });
  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body), ['data']);
  t.deepEqual(res.body.data.map((e: any) => e.type).sort(), [...DESIGN_TYPES].sort());
  for (const entry of res.body.data) {
    t.deepEqual(Object.keys(entry), ['type', 'description', 'schema']);
    t.true(entry.description.length > 20, entry.type);
    t.is(entry.schema.$schema, 'https://json-schema.org/draft/2020-12/schema', entry.type);
  }
  t.deepEqual([...new Set(res.body.data.map((e: any) => e.type.split('.')[0]))].sort(), [...RESERVED_NAMESPACES].sort());
  const order = res.body.data.find((e: any) => e.type === 'order.paid').schema;
  t.is(order.properties.total.type, 'integer', 'the data schema is the order presenter\'s');
  t.true(order.required.includes('line_items'));
  t.is((await api.request('GET', '/v1/event-types', { token: (await tenantWithKey(api, { kind: 'publishable' })).key })).status, 403);
  t.is((await api.request('GET', '/v1/event-types')).status, 401);
});

// Serial: it moves the clock the API and the worker share, to expire a checkout.
test.serial('every event Herald emits validates against its type\'s schema, and every type is emitted', async (t) => {
  t.timeout(60_000);
  const { api } = stack();
  const { tenant, key } = await tenantWithKey(api, { mode: 'live' });
  const call = async (method: string, path: string, body?: unknown, status = [200, 201, 202, 204]) => {
    const res = await api.request(method, path, { token: key, body });
    if (!status.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const product = await createProduct(api, key, { variants: [{ sku: unique('sku'), price: 1500, currency: 'USD', inventory_quantity: 50 }] });
  await call('PATCH', `/v1/products/${product.id}`, { name: 'Renamed' });
  const variant = await call('POST', `/v1/products/${product.id}/variants`, { sku: unique('sku'), price: 900, currency: 'USD', inventory_quantity: 5 });
  await call('PATCH', `/v1/variants/${variant.id}`, { price: 950 });
  await call('DELETE', `/v1/variants/${variant.id}`);
  const customer = await createCustomer(api, key, { addresses: [{ line1: '1 Main St', city: 'Berlin', country: 'DE' }] });
  await call('PATCH', `/v1/customers/${customer.id}`, { name: 'Ada' });
  const coupon = await createCoupon(api, key);
  await call('PATCH', `/v1/coupons/${coupon.id}`, { max_redemptions: 5 });
  const discount = await call('POST', '/v1/discounts', { name: 'Autumn', percent_off: 5 });
  await call('PATCH', `/v1/discounts/${discount.id}`, { name: 'Autumn sale' });
  const order = await createOrder(api, key, { customer_id: customer.id, coupon_code: coupon.code, line_items: [{ variant_id: product.variants[0].id, quantity: 2 }] });
  await call('PATCH', `/v1/orders/${order.id}`, { metadata: { ref: 'A-1' } });
  await call('POST', `/v1/orders/${order.id}/pay`);
  await call('POST', `/v1/orders/${order.id}/fulfill`);
  const other = await createOrder(api, key, { line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  await call('POST', `/v1/orders/${other.id}/cancel`);
  const page = await call('POST', '/v1/pages', { title: 'About', handle: unique('about'), body: '# Hi', published: true });
  await call('PATCH', `/v1/pages/${page.id}`, { title: 'About us' });
  await call('DELETE', `/v1/pages/${page.id}`);
  const post = await call('POST', '/v1/posts', { title: 'News', handle: unique('news'), tags: ['launch'], published: true });
  await call('PATCH', `/v1/posts/${post.id}`, { tags: ['launch', 'shop'] });
  await call('DELETE', `/v1/posts/${post.id}`);
  await call('PATCH', '/v1/settings', { shop_name: 'Acme', support_email: 'help@example.com' });

  // The storefront: a cart, a line, a checkout completed into an order, and one left to expire.
  const buyer = shopper(api, tenant, '127.0.90.1');
  await buyer.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
  t.is((await buyer.add(product.variants[0].id, 1)).status, 201);
  const checkout = (await buyer.checkout()).body;
  t.is((await buyer.complete(checkout.id)).status, 200);
  const idler = shopper(api, tenant, '127.0.90.2');
  await idler.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
  t.is((await idler.checkout()).status, 201);
  api.clock.advance(24 * 3_600_000 + 60_000);
  t.true(await expireCheckouts(api.services) >= 1);

  await call('DELETE', `/v1/products/${product.id}`);
  await call('DELETE', `/v1/customers/${customer.id}`);
  await call('DELETE', `/v1/coupons/${coupon.id}`);
  await call('DELETE', `/v1/discounts/${discount.id}`);

  // The worker: a receiver answering 410 Gone has its endpoint disabled (endpoint.disabled), and a test event.
  const gone = await newReceiver();
  gone.script({ status: 410 });
  const ep = await call('POST', '/v1/webhook-endpoints', { url: gone.url, event_types: ['endpoint.disabled'] });
  const testDelivery = await call('POST', `/v1/webhook-endpoints/${ep.id}/test`);
  await waitForDelivery(api, key, testDelivery.id, (d) => d.status === 'failed');

  const events: any[] = [];
  for (let cursor: string | null = null, more = true; more;) {
    const page: any = await call('GET', `/v1/events?limit=100${cursor ? `&starting_after=${cursor}` : ''}`);
    events.push(...page.data);
    [cursor, more] = [page.next_cursor, page.has_more];
  }
  const catalog = (await call('GET', '/v1/event-types')).data as Array<{ type: string; schema: object }>;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validators = new Map(catalog.map((entry) => [entry.type, ajv.compile(entry.schema)]));
  for (const event of events) {
    const validate = validators.get(event.type);
    if (!validate) {
      t.fail(`${event.type} is emitted but not in the catalog`);
      continue;
    }
    t.true(validate(event.data), `${event.type} ${event.id}: ${ajv.errorsText(validate.errors)}`);
    t.is('previous_attributes' in event, event.type.endsWith('.updated'), `${event.type} carries previous_attributes only when updated`);
  }
  t.true(events.length >= DESIGN_TYPES.length, `${events.length} events checked`);
  const emitted = new Set(events.map((e) => e.type));
  t.deepEqual(DESIGN_TYPES.filter((type) => !emitted.has(type)), [], 'every built-in type was emitted and checked');
});
