// Isolation is enforced twice (DESIGN §1): row-level security, and the application naming the
// tenant and mode in every query. Here row-level security is pinned to tenant A's live scope (so
// it would show A's rows), and every finder is asked with another scope: the application's own
// predicates must still return nothing of A's, and writes must change nothing of A's.
import test from 'ava';
import { listApiKeys, findApiKey } from '../../src/db/apiKeys.ts';
import { listAttempts } from '../../src/db/attempts.ts';
import { listAuditEntries } from '../../src/db/audit.ts';
import { findCoupon, findCouponByCode, listCoupons, redeemCoupon } from '../../src/db/coupons.ts';
import { customerExists, findCustomer, listCustomers, softDeleteCustomer } from '../../src/db/customers.ts';
import { findDelivery, listDeliveries } from '../../src/db/deliveries.ts';
import { countEndpoints, enabledEndpoints, findEndpoint, listEndpoints, signingSecrets } from '../../src/db/endpoints.ts';
import { eventsMatching, findEvent, listEvents } from '../../src/db/events.ts';
import { findIdempotencyKey } from '../../src/db/idempotency.ts';
import { findOrder, listOrders, transitionOrder } from '../../src/db/orders.ts';
import { claimOutboxBatch } from '../../src/db/outbox.ts';
import { findProduct, findSellableVariants, listProducts, softDeleteProduct } from '../../src/db/products.ts';
import { withTenant } from '../../src/db/tenant.ts';
import type { TenantScope } from '../../src/scope.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, createCustomer, createOrder, createProduct } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

/** One of everything in tenant A's live mode; returns A's scope, org and ids. */
async function arrange() {
  const { tenant, key, keyId } = await tenantWithKey(api, { role: 'owner' });
  const product = await createProduct(api, key);
  const customer = await createCustomer(api, key);
  const coupon = await createCoupon(api, key);
  const order = await createOrder(api, key, { customer_id: customer.id, line_items: [{ variant_id: product.variants[0].id, quantity: 1 }] });
  const endpoint = (await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: 'https://example.com/hook', event_types: ['*'] } })).body;
  await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}/secret`, { token: key }); // an audit entry
  const delivery = (await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/test`, { token: key })).body;
  const event = (await api.request('POST', '/v1/events', { token: key, body: { type: 'custom.thing', data: {} }, headers: { 'idempotency-key': 'scoping-1' } })).body;
  const a: TenantScope = { tenantId: tenant.id, mode: 'live' };
  return { a, orgId: tenant.orgId, keyId, product, customer, coupon, order, endpoint, delivery, event };
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
  await asA(x.a, async (tx) => {
    // The arrangement is visible in A's own scope: the checks below can fail.
    t.truthy(await findProduct(tx, x.a, x.product.id));
    t.truthy(await findDelivery(tx, x.a, x.delivery.id));
    t.true((await listAuditEntries(tx, { ...x.a, orgId: x.orgId }, { limit: 10 })).length > 0);
    t.true((await claimOutboxBatch(tx, x.a, 100)).length > 0);
    for (const [name, other] of others) {
      const none = async (what: string, found: Promise<unknown>) => t.falsy(await found, `${what} (${name})`);
      const empty = async (what: string, found: Promise<unknown[]>) => t.deepEqual(await found, [], `${what} (${name})`);
      await none('findProduct', findProduct(tx, other, x.product.id));
      await empty('listProducts', listProducts(tx, other, { limit: 100 }));
      await empty('findSellableVariants', findSellableVariants(tx, other, [x.product.variants[0].id]));
      await none('findCustomer', findCustomer(tx, other, x.customer.id));
      await empty('listCustomers', listCustomers(tx, other, { limit: 100 }));
      t.false(await customerExists(tx, other, x.customer.id), `customerExists (${name})`);
      await none('findCoupon', findCoupon(tx, other, x.coupon.id));
      await none('findCouponByCode', findCouponByCode(tx, other, x.coupon.code));
      await empty('listCoupons', listCoupons(tx, other, { limit: 100 }));
      await none('findOrder', findOrder(tx, other, x.order.id));
      await empty('listOrders', listOrders(tx, other, { limit: 100 }));
      await none('findEvent', findEvent(tx, other, x.event.id));
      await empty('listEvents', listEvents(tx, other, { limit: 100 }));
      await empty('eventsMatching', eventsMatching(tx, other, { since: new Date(0), until: new Date(Date.now() + 60_000), filters: ['*'], limit: 100 }));
      await none('findEndpoint', findEndpoint(tx, other, x.endpoint.id));
      await empty('listEndpoints', listEndpoints(tx, other, { limit: 100 }));
      await empty('enabledEndpoints', enabledEndpoints(tx, other));
      t.is(await countEndpoints(tx, other), 0, `countEndpoints (${name})`);
      await empty('signingSecrets', signingSecrets(tx, other, x.endpoint.id, new Date()));
      await none('findDelivery', findDelivery(tx, other, x.delivery.id));
      await empty('listDeliveries', listDeliveries(tx, other, { limit: 100 }));
      await empty('listAttempts', listAttempts(tx, other, x.delivery.id));
      await none('findApiKey', findApiKey(tx, other, x.keyId));
      await empty('listApiKeys', listApiKeys(tx, other, { limit: 100 }));
      await none('findIdempotencyKey', findIdempotencyKey(tx, other, 'scoping-1'));
      await empty('listAuditEntries', listAuditEntries(tx, other, { limit: 100 }));
      await empty('claimOutboxBatch', claimOutboxBatch(tx, other, 100));
    }
  });
});

test('with row-level security showing tenant A, writes aimed at another scope change nothing of A\'s', async (t) => {
  const x = await arrange();
  const b: TenantScope = { tenantId: (await tenantWithKey(api)).tenant.id, mode: 'live' };
  await asA(x.a, async (tx) => {
    await softDeleteProduct(tx, b, x.product.id);
    await softDeleteCustomer(tx, b, x.customer.id);
    t.false(await redeemCoupon(tx, b, x.coupon.id, 1));
    t.is(await transitionOrder(tx, b, x.order.id, ['pending'], 'cancelled'), undefined);
    t.truthy(await findProduct(tx, x.a, x.product.id));
    t.truthy(await findCustomer(tx, x.a, x.customer.id));
    t.is((await findCoupon(tx, x.a, x.coupon.id))!.times_redeemed, 0);
    t.is((await findOrder(tx, x.a, x.order.id))!.status, 'pending');
  });
});
