// Isolation is enforced twice (DESIGN §1): row-level security, and the application naming the
// tenant and mode in every query. Here row-level security is pinned to tenant A's live scope (so
// it would show A's rows), and every finder is asked with another scope: the application's own
// predicates must still return nothing of A's, and writes must change nothing of A's.
import test from 'ava';
import { listApiKeys, findApiKey } from '../../src/db/apiKeys.ts';
import { listAttempts } from '../../src/db/attempts.ts';
import { listAuditEntries } from '../../src/db/audit.ts';
import { findCoupon, findCouponByCode, listCoupons, redeemCoupon } from '../../src/db/coupons.ts';
import { cancelDeliveries, findDelivery, listDeliveries, loadAttemptContexts } from '../../src/db/deliveries.ts';
import { completeCart, deleteCartItem, findCart, listCarts } from '../../src/db/carts.ts';
import { completeCheckout, expireCheckouts, findCheckout, listCheckouts } from '../../src/db/checkouts.ts';
import { deleteContent, findContent, findPublished, listContent, listPublishedPosts } from '../../src/db/content.ts';
import {
  addressSlots, customerExists, deleteAddress, findAddress, findCustomer, findCustomerIdByEmail, listAddresses, listCustomers, softDeleteCustomer,
} from '../../src/db/customers.ts';
import { findDiscount, listDiscounts, liveDiscounts, softDeleteDiscount } from '../../src/db/discounts.ts';
import { countEndpoints, findEndpoint, listEndpoints, noteEndpointOutcomes, signingSecrets } from '../../src/db/endpoints.ts';
import { eventsMatching, findEvent, listEvents } from '../../src/db/events.ts';
import { deleteImage, findImage, findImageContent, imageSlots, listImages } from '../../src/db/images.ts';
import { findIdempotencyKey } from '../../src/db/idempotency.ts';
import { findOrder, listOrders, transitionOrder } from '../../src/db/orders.ts';
import { dispatchInputs } from '../../src/db/outbox.ts';
import { existingProductIds, findProduct, findSellableVariants, listProducts, softDeleteProduct } from '../../src/db/products.ts';
import { findSettings, updateSettings } from '../../src/db/settings.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { adjustInventory, findVariant, listVariants, softDeleteVariant, variantSlots } from '../../src/db/variants.ts';
import type { TenantScope } from '../../src/scope.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopper } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

/** One of everything in tenant A's live mode; returns A's scope, org and ids. */
async function arrange() {
  const { tenant, key, keyId } = await tenantWithKey(api, { role: 'owner' });
  const post = async (path: string, body: unknown) => (await api.request('POST', path, { token: key, body })).body;
  const product = await createProduct(api, key);
  const customer = await createCustomer(api, key, { addresses: [{ line1: '1 Main St', city: 'Springfield', country: 'US' }] });
  const coupon = await createCoupon(api, key);
  const order = await createOrder(api, key, { customer_id: customer.id, line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const endpoint = await post('/v1/webhook-endpoints', { url: 'https://example.com/hook', event_types: ['*'] });
  await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}/secret`, { token: key }); // an audit entry
  const delivery = await post(`/v1/webhook-endpoints/${endpoint.id}/test`, {});
  const event = (await api.request('POST', '/v1/events', { token: key, body: { type: 'custom.thing', data: {} }, headers: { 'idempotency-key': 'scoping-1' } })).body;
  const image = await post(`/v1/products/${product.id}/images`, { url: 'https://cdn.example.com/a.png' });
  const discount = await post('/v1/discounts', { name: 'Always', percent_off: 5 });
  const page = await post('/v1/pages', { title: 'About', handle: 'about', published: true });
  const blog = await post('/v1/posts', { title: 'News', handle: 'news', published: true, tags: ['news'] });
  await api.request('PATCH', '/v1/settings', { token: key, body: { shop_name: 'A shop' } });
  const shop = shopper(api, tenant);
  const cart = await shop.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
  const checkout = (await shop.checkout({ email: customer.email })).body;
  const a: TenantScope = { tenantId: tenant.id, mode: 'live' };
  return { a, orgId: tenant.orgId, keyId, product, customer, coupon, order, endpoint, delivery, event, image, discount, page, post: blog, cart, checkout };
}

/** Runs `work` with row-level security showing tenant A's live rows. */
const asA = <T>(a: TenantScope, work: (tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) => withTenant(api.db.app, a, work);

test('with row-level security showing tenant A, finders asked for another tenant or mode return none of A\'s rows', async (t) => {
  const x = await arrange();
  const b = (await tenantWithKey(api)).tenant;
  const others: [string, TenantScope & { orgId: string }][] = [
    ['another tenant', { tenantId: b.id, mode: 'live', orgId: b.orgId }],
    ['the other mode', { tenantId: x.a.tenantId, mode: 'test', orgId: x.orgId }],
  ];
  const variant = x.product.variants[0].id;
  const address = x.customer.addresses[0].id;
  const now = new Date(Date.now() + 60_000);
  await asA(x.a, async (tx) => {
    // The arrangement is visible in A's own scope: the checks below can fail.
    t.truthy(await findProduct(tx, x.a, x.product.id));
    t.truthy(await findDelivery(tx, x.a, x.delivery.id));
    t.true((await listAuditEntries(tx, { ...x.a, orgId: x.orgId }, { limit: 10 })).length > 0);
    t.is((await dispatchInputs(tx, x.a, [x.event.id])).endpoints.length, 1);
    t.is((await loadAttemptContexts(tx, x.a, [x.delivery.id], new Date())).length, 1);
    t.truthy(await findImage(tx, x.a, x.image.id));
    t.truthy(await findCart(tx, x.a, x.cart.id));
    t.truthy(await findPublished(tx, x.a, 'posts', 'news', now));
    t.is((await liveDiscounts(tx, x.a, 'USD', new Date())).length, 1);
    t.is((await findSettings(tx, x.a)).shop_name, 'A shop');
    for (const [name, other] of others) {
      const none = async (what: string, found: Promise<unknown>) => t.falsy(await found, `${what} (${name})`);
      const empty = async (what: string, found: Promise<unknown[]>) => t.deepEqual(await found, [], `${what} (${name})`);
      const zero = async (what: string, found: Promise<{ count: number }>) => t.is((await found).count, 0, `${what} (${name})`);
      await none('findProduct', findProduct(tx, other, x.product.id));
      await empty('listProducts', listProducts(tx, other, { limit: 100 }));
      await empty('findSellableVariants', findSellableVariants(tx, other, [variant]));
      await empty('existingProductIds', existingProductIds(tx, other, [x.product.id]));
      await none('findVariant', findVariant(tx, other, variant));
      await empty('listVariants', listVariants(tx, other, x.product.id, { limit: 100 }));
      await zero('variantSlots', variantSlots(tx, other, x.product.id));
      await none('findImage', findImage(tx, other, x.image.id));
      await none('findImageContent', findImageContent(tx, other, x.image.id));
      await empty('listImages', listImages(tx, other, x.product.id, { limit: 100 }));
      await zero('imageSlots', imageSlots(tx, other, x.product.id));
      await none('findCustomer', findCustomer(tx, other, x.customer.id));
      await empty('listCustomers', listCustomers(tx, other, { limit: 100 }));
      t.false(await customerExists(tx, other, x.customer.id), `customerExists (${name})`);
      await none('findCustomerIdByEmail', findCustomerIdByEmail(tx, other, x.customer.email));
      await none('findAddress', findAddress(tx, other, x.customer.id, address));
      await empty('listAddresses', listAddresses(tx, other, x.customer.id, { limit: 100 }));
      await zero('addressSlots', addressSlots(tx, other, x.customer.id));
      await none('findCoupon', findCoupon(tx, other, x.coupon.id));
      await none('findCouponByCode', findCouponByCode(tx, other, x.coupon.code));
      await empty('listCoupons', listCoupons(tx, other, { limit: 100 }));
      await none('findDiscount', findDiscount(tx, other, x.discount.id));
      await empty('listDiscounts', listDiscounts(tx, other, { limit: 100 }));
      await empty('liveDiscounts', liveDiscounts(tx, other, 'USD', new Date()));
      await none('findOrder', findOrder(tx, other, x.order.id));
      await empty('listOrders', listOrders(tx, other, { limit: 100 }));
      await none('findCart', findCart(tx, other, x.cart.id));
      await empty('listCarts', listCarts(tx, other, { limit: 100 }));
      await none('findCheckout', findCheckout(tx, other, x.checkout.id));
      await empty('listCheckouts', listCheckouts(tx, other, { limit: 100 }));
      await none('findContent', findContent(tx, other, 'pages', x.page.id));
      await none('findPublished', findPublished(tx, other, 'posts', 'news', now));
      await empty('listContent', listContent(tx, other, 'posts', { limit: 100 }));
      await empty('listPublishedPosts', listPublishedPosts(tx, other, { limit: 100, now }));
      t.is((await findSettings(tx, other)).shop_name, null, `findSettings (${name})`);
      await none('findEvent', findEvent(tx, other, x.event.id));
      await empty('listEvents', listEvents(tx, other, { limit: 100 }));
      await empty('eventsMatching', eventsMatching(tx, other, { since: new Date(0), until: new Date(Date.now() + 60_000), filters: ['*'], limit: 100 }));
      t.deepEqual(await dispatchInputs(tx, other, [x.event.id]), { events: [], endpoints: [] }, `dispatchInputs (${name})`);
      await none('findEndpoint', findEndpoint(tx, other, x.endpoint.id));
      await empty('listEndpoints', listEndpoints(tx, other, { limit: 100 }));
      t.is(await countEndpoints(tx, other), 0, `countEndpoints (${name})`);
      await empty('signingSecrets', signingSecrets(tx, other, x.endpoint.id, new Date()));
      await none('findDelivery', findDelivery(tx, other, x.delivery.id));
      await empty('listDeliveries', listDeliveries(tx, other, { limit: 100 }));
      await empty('loadAttemptContexts', loadAttemptContexts(tx, other, [x.delivery.id], new Date()));
      await empty('listAttempts', listAttempts(tx, other, x.delivery.id));
      await none('findApiKey', findApiKey(tx, other, x.keyId));
      await empty('listApiKeys', listApiKeys(tx, other, { limit: 100 }));
      await none('findIdempotencyKey', findIdempotencyKey(tx, other, 'scoping-1'));
      await empty('listAuditEntries', listAuditEntries(tx, other, { limit: 100 }));
    }
  });
});

test('with row-level security showing tenant A, writes aimed at another scope change nothing of A\'s', async (t) => {
  const x = await arrange();
  const b: TenantScope = { tenantId: (await tenantWithKey(api)).tenant.id, mode: 'live' };
  const variant = x.product.variants[0].id;
  const address = x.customer.addresses[0].id;
  await asA(x.a, async (tx) => {
    await softDeleteProduct(tx, b, x.product.id);
    await softDeleteVariant(tx, b, variant);
    t.is(await adjustInventory(tx, b, variant, -1, 1_000), undefined);
    await deleteImage(tx, b, x.image.id);
    await softDeleteCustomer(tx, b, x.customer.id);
    await deleteAddress(tx, b, x.customer.id, address);
    t.false(await redeemCoupon(tx, b, x.coupon.id, 1));
    await softDeleteDiscount(tx, b, x.discount.id);
    t.is(await transitionOrder(tx, b, x.order.id, { from: ['pending'], to: 'cancelled', reserved: false }), undefined);
    await deleteCartItem(tx, b, x.cart.id, x.cart.items[0].id);
    await completeCart(tx, b, x.cart.id);
    t.is(await completeCheckout(tx, b, x.checkout.id, x.order.id), undefined);
    t.deepEqual(await expireCheckouts(tx, b, [x.checkout.id], new Date(Date.now() + 2 * 86_400_000)), []);
    await deleteContent(tx, b, 'pages', x.page.id);
    await updateSettings(tx, b, { shop_name: 'B', currency: 'EUR', timezone: 'UTC', locale: 'en', support_email: null, order_number_prefix: '#' });
    await cancelDeliveries(tx, b, [x.delivery.id], 'aimed elsewhere');
    t.is((await noteEndpointOutcomes(tx, b, [{ id: x.endpoint.id, failedAt: new Date(), restart: true }])).size, 0);

    t.truthy(await findProduct(tx, x.a, x.product.id));
    t.like(await findVariant(tx, x.a, variant), { inventory_quantity: x.product.variants[0].inventory_quantity });
    t.truthy(await findImage(tx, x.a, x.image.id));
    t.truthy(await findCustomer(tx, x.a, x.customer.id));
    t.truthy(await findAddress(tx, x.a, x.customer.id, address));
    t.is((await findCoupon(tx, x.a, x.coupon.id))!.times_redeemed, 0);
    t.truthy(await findDiscount(tx, x.a, x.discount.id));
    t.is((await findOrder(tx, x.a, x.order.id))!.status, 'pending');
    t.like(await findCart(tx, x.a, x.cart.id), { completed_at: null, items: [{ id: x.cart.items[0].id }] });
    t.is((await findCheckout(tx, x.a, x.checkout.id))!.status, 'open');
    t.truthy(await findContent(tx, x.a, 'pages', x.page.id));
    t.is((await findSettings(tx, x.a)).shop_name, 'A shop');
    t.is((await findDelivery(tx, x.a, x.delivery.id))!.status, x.delivery.status);
    t.is((await findEndpoint(tx, x.a, x.endpoint.id))!.failing_since, null);
  });
});
