// The worker's periodic shop upkeep, driven by the injected clock instead of waiting a day:
// checkouts expire after 24 hours, storefront orders left unpaid past HERALD_UNPAID_ORDER_TTL are
// cancelled and give back their stock and coupon. Serial: the tests move the file's one clock.
import test from 'ava';
import { cancelUnpaidOrders, expireCheckouts } from '../../src/services/housekeeping.ts';
import { startHousekeeping } from '../../workers/housekeeping.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createOrder, createProduct, eventsOf, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopper } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi({ HERALD_UNPAID_ORDER_TTL: '2h' }); });
test.after.always(async () => { await api?.close(); });

const HOUR = 3_600_000;
let lastAddress = 10;

async function shopWithCheckout(options: { coupon?: boolean } = {}) {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { variants: [{ sku: unique('sku'), price: 500, currency: 'USD', inventory_quantity: 3 }] });
  const coupon = options.coupon ? await createCoupon(api, key, { max_redemptions: 1 }) : undefined;
  const s = shopper(api, tenant, `127.0.${++lastAddress}.1`);
  await s.newCart([{ variant_id: product.variants[0].id, quantity: 2 }]);
  const checkout = (await s.checkout(coupon ? { coupon_code: coupon.code } : {})).body;
  return { tenant, key, product, coupon, shopper: s, checkout };
}

const stockOf = async (key: string, productId: string) => (await api.request('GET', `/v1/products/${productId}`, { token: key })).body.variants[0].inventory_quantity;

test.serial('a checkout left open for 24 hours expires: completing it is a 409, and the worker records checkout.expired', async (t) => {
  const { key, product, shopper: s, checkout } = await shopWithCheckout();
  const other = await shopWithCheckout();
  api.clock.advance(24 * HOUR - 60_000);
  t.is(await expireCheckouts(api.services), 0, 'not yet');
  api.clock.advance(2 * 60_000);
  const late = await s.complete(checkout.id);
  t.is(late.status, 409);
  t.regex(late.body.detail, /expired/);
  t.is(await stockOf(key, product.id), 3, 'nothing was taken');
  t.true(await expireCheckouts(api.services) >= 2, 'every tenant\'s expired checkouts');
  const expired = (await api.request('GET', `/v1/checkouts/${checkout.id}`, { token: key })).body;
  t.like(expired, { status: 'expired', order_id: null });
  t.truthy(expired.expired_at);
  const [event] = await eventsOf(api, key, 'checkout.expired');
  t.deepEqual(event.data, expired);
  t.is((await eventsOf(api, other.key, 'checkout.expired')).length, 1, 'each tenant records its own');
  t.is(await expireCheckouts(api.services), 0, 'each expires once');
  t.is((await eventsOf(api, key, 'checkout.expired')).length, 1);
  t.is((await s.complete(checkout.id)).status, 409);
  // The cart is still open: a new checkout quotes it afresh.
  const fresh = await s.checkout();
  t.is(fresh.status, 201);
  t.is((await s.complete(fresh.body.id)).status, 200);
});

test.serial('storefront orders unpaid past HERALD_UNPAID_ORDER_TTL are cancelled with their stock and coupon returned; paid and API orders stay', async (t) => {
  const unpaid = await shopWithCheckout({ coupon: true });
  const order = (await unpaid.shopper.complete(unpaid.checkout.id)).body.order;
  const paid = await shopWithCheckout();
  const paidOrder = (await paid.shopper.complete(paid.checkout.id)).body.order;
  await api.request('POST', `/v1/orders/${paidOrder.id}/pay`, { token: paid.key });
  const apiOrder = await createOrder(api, unpaid.key, { line_items: [{ variant_id: unpaid.product.variants[0].id, quantity: 1 }] });
  t.is(await stockOf(unpaid.key, unpaid.product.id), 1);

  api.clock.advance(2 * HOUR - 60_000);
  t.is(await cancelUnpaidOrders(api.services), 0, 'not yet');
  api.clock.advance(2 * 60_000);
  t.true(await cancelUnpaidOrders(api.services) >= 1);
  const cancelled = (await api.request('GET', `/v1/orders/${order.id}`, { token: unpaid.key })).body;
  t.like(cancelled, { status: 'cancelled' });
  t.is(await stockOf(unpaid.key, unpaid.product.id), 3);
  t.is((await api.request('GET', `/v1/coupons/${unpaid.coupon!.id}`, { token: unpaid.key })).body.times_redeemed, 0);
  t.deepEqual((await eventsOf(api, unpaid.key, 'order.cancelled'))[0].data, cancelled);
  t.is((await api.request('GET', `/v1/orders/${apiOrder.id}`, { token: unpaid.key })).body.status, 'pending', 'an API order holds nothing and stays');
  t.is((await api.request('GET', `/v1/orders/${paidOrder.id}`, { token: paid.key })).body.status, 'paid');
  t.is(await cancelUnpaidOrders(api.services), 0, 'each is cancelled once');
});

test.serial('the worker\'s housekeeping runs both on its own, round after round', async (t) => {
  const { key, checkout } = await shopWithCheckout();
  const unpaid = await shopWithCheckout();
  const order = (await unpaid.shopper.complete(unpaid.checkout.id)).body.order;
  api.clock.advance(25 * HOUR);
  const housekeeper = startHousekeeping(api.services, { intervalMs: 50 });
  try {
    const deadline = Date.now() + 10_000;
    const statuses = async () => ({
      checkout: (await api.request('GET', `/v1/checkouts/${checkout.id}`, { token: key })).body.status,
      order: (await api.request('GET', `/v1/orders/${order.id}`, { token: unpaid.key })).body.status,
    });
    let seen = await statuses();
    while ((seen.checkout !== 'expired' || seen.order !== 'cancelled') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await statuses();
    }
    t.deepEqual(seen, { checkout: 'expired', order: 'cancelled' }, 'the rounds expired the checkout and cancelled the unpaid order');
    t.is((await eventsOf(api, key, 'checkout.expired')).length, 1, 'with its event, once');
    t.is((await eventsOf(api, unpaid.key, 'order.cancelled')).length, 1);
  } finally {
    await housekeeper.stop();
  }
});
