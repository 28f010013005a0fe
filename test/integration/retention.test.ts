// Retention: what is past its time goes, in batches, across tenants; what is still in use stays.
// Time moves with the services' ManualClock (the cutoffs are computed from it).
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { purgeExpired } from '../../src/services/retention.ts';
import { keepHouse } from '../../workers/housekeeping.ts';
import { startApi } from '../helpers/api.ts';
import { createProduct } from '../helpers/commerce.ts';
import { deliveriesOf, dispatched, emit, registerEndpoint, startDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { shopper } from '../helpers/storefront.ts';

const DAY = 86_400_000;

test('events past the retention go with their deliveries and attempts once those have ended; one still retrying keeps its event', async (t) => {
  t.timeout(60_000);
  const stack = await startDeliveryStack();
  const receiver = await startReceiver();
  const failing = await startReceiver();
  try {
    const { api } = stack;
    const owner = api.db.owner;
    const a = await tenantWithKey(api);
    const b = await tenantWithKey(api);
    await registerEndpoint(api, a.key, { url: `${receiver.url}/a`, event_types: ['*'] });
    await registerEndpoint(api, a.key, { url: `${failing.url}/a`, event_types: ['*'] });
    await registerEndpoint(api, b.key, { url: `${receiver.url}/b`, event_types: ['*'] });
    failing.script(...Array.from({ length: 100 }, () => ({ status: 500 })));
    const events = [await emit(api, a.key, 'shop.one'), await emit(api, a.key, 'shop.two'), await emit(api, a.key, 'shop.kept'), await emit(api, b.key, 'shop.other')];
    for (const e of events) {
      const token = e.tenant_id === a.tenant.id ? a.key : b.key;
      for (const d of await deliveriesOf(api, token, e.id, token === a.key ? 2 : 1)) {
        await waitForDelivery(api, token, d.id, (x) => ['delivered', 'failed'].includes(x.status));
      }
    }
    const kept = events[2];
    // A delivery of that event is still retrying (a manual retry of an old delivery, say).
    await owner.query(`update deliveries set status = 'retrying' where event_id = $1 and endpoint_id in
      (select id from webhook_endpoints where url like $2)`, [kept.id, `${failing.url}%`]);
    const count = async (table: string) => (await owner.query(`select count(*)::int as n from ${table} where tenant_id = any($1::uuid[])`, [[a.tenant.id, b.tenant.id]])).rows[0].n;
    const before = { events: await count('events'), deliveries: await count('deliveries'), attempts: await count('delivery_attempts') };
    t.deepEqual([before.events, before.deliveries], [4, 7]);
    t.true(before.attempts >= 10, 'the failing endpoint\'s deliveries have several attempts each');

    // Within the retention nothing goes.
    t.like(await purgeExpired(api.services), { events: 0 });
    t.is(await count('events'), 4);

    api.clock.advance(31 * DAY);
    // Two workers' rounds at once: one takes each batch, the other finds the purge busy.
    const rounds = await Promise.all([purgeExpired(api.services), purgeExpired(api.services)]);
    const keptDeliveries = (await owner.query('select count(*)::int as n from deliveries where event_id = $1', [kept.id])).rows[0].n;
    const keptAttempts = (await owner.query('select count(*)::int as n from delivery_attempts where delivery_id in (select id from deliveries where event_id = $1)', [kept.id])).rows[0].n;
    t.is(await count('events'), 1, 'only the event with a delivery still retrying is left');
    t.is(await count('deliveries'), keptDeliveries);
    t.is(await count('delivery_attempts'), keptAttempts);
    t.is(rounds[0].events + rounds[1].events, (before.events - 1) + (before.deliveries - keptDeliveries) + (before.attempts - keptAttempts));

    // The API answers for what is left, and says how far back it reaches.
    const list = await api.request('GET', '/v1/events?limit=100', { token: a.key });
    t.deepEqual(list.body.data.map((e: any) => e.id), [kept.id]);
    const since = Date.parse(list.headers.get('herald-events-retained-since')!);
    t.true(Math.abs(since - (api.clock.now().getTime() - 30 * DAY)) < 60_000, 'herald-events-retained-since is now minus HERALD_EVENT_RETENTION');
    t.is((await api.request('GET', `/v1/events/${events[0].id}`, { token: a.key })).status, 404);
    t.is((await api.request('GET', `/v1/events/${events[3].id}`, { token: b.key })).status, 404);

    // Once that delivery ends, its event goes too.
    await owner.query(`update deliveries set status = 'failed' where event_id = $1`, [kept.id]);
    await purgeExpired(api.services);
    t.deepEqual([await count('events'), await count('deliveries'), await count('delivery_attempts')], [0, 0, 0]);
  } finally {
    await receiver.close();
    await failing.close();
    await stack.close();
  }
});

test('idempotency records, stale rate-limit counters, abandoned carts, old audit entries and deleted endpoints go; undispatched events and completed carts stay', async (t) => {
  t.timeout(60_000);
  const api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' });
  try {
    const owner = api.db.owner;
    const { tenant, key } = await tenantWithKey(api);
    const scoped = async (table: string) => (await owner.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenant.id])).rows[0].n;

    // An idempotent write, an audit entry (a key created), a deleted endpoint, an event (no
    // dispatcher runs here, so it stays in the outbox), an abandoned cart and a completed one.
    const keyed = await api.request('POST', '/v1/products', {
      token: key, headers: { 'idempotency-key': `k-${randomBytes(4).toString('hex')}` },
      body: { name: 'Mug', variants: [{ sku: 'MUG', price: 500, currency: 'USD', inventory_quantity: 10 }] },
    });
    t.is(keyed.status, 201);
    t.is((await api.request('POST', '/v1/api-keys', { token: key, body: { mode: 'live', kind: 'secret', role: 'viewer' } })).status, 201);
    const endpoint = await registerEndpoint(api, key, { url: 'http://127.0.0.1:9/gone', event_types: ['*'] });
    t.is((await api.request('DELETE', `/v1/webhook-endpoints/${endpoint.id}`, { token: key })).status, 204);
    const event = await emit(api, key, 'shop.waiting');
    const product = await createProduct(api, key);
    const abandoned = shopper(api, tenant, '127.0.40.1');
    await abandoned.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
    t.is((await abandoned.checkout()).status, 201);
    const buyer = shopper(api, tenant, '127.0.40.2');
    await buyer.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
    const checkout = (await buyer.checkout()).body;
    t.is((await buyer.complete(checkout.id)).status, 200);
    await owner.query(`insert into rate_limits (key, window_start, used) values ($1, now() - interval '2 hours', 3), ($2, now(), 1)`, ['test:stale', 'test:fresh']);

    const before = {
      idempotency: await scoped('idempotency_keys'), audit: await scoped('audit_log'), carts: await scoped('carts'),
      items: await scoped('cart_items'), checkouts: await scoped('checkouts'), endpoints: await scoped('webhook_endpoints'),
    };
    t.true(before.idempotency >= 1 && before.audit >= 1);
    t.deepEqual([before.carts, before.checkouts, before.endpoints], [2, 2, 1]);
    const rateLimit = async (k: string) => (await owner.query('select count(*)::int as n from rate_limits where key = $1', [k])).rows[0].n;

    await purgeExpired(api.services);
    t.is(await rateLimit('test:stale'), 0, 'a counter of a window that ended over an hour ago goes at once');
    t.is(await rateLimit('test:fresh'), 1);
    t.is(await scoped('idempotency_keys'), before.idempotency, 'within 24 hours the records stay');

    api.clock.advance(2 * DAY);
    await purgeExpired(api.services);
    t.is(await scoped('idempotency_keys'), 0, 'idempotency records go after 24 hours');
    t.is(await scoped('carts'), 2, 'carts stay for HERALD_CART_RETENTION');

    api.clock.advance(30 * DAY);
    await keepHouse(api.services); // the worker expires the abandoned cart's checkout after its 24 hours
    const removed = await purgeExpired(api.services);
    t.like(removed, { carts: 1, endpoints: 1, events: 0 });
    t.is(await scoped('carts'), 1, 'the abandoned cart went; the completed one (its order\'s history) stays');
    t.is(await scoped('checkouts'), 1);
    t.is((await owner.query('select id from carts where tenant_id = $1', [tenant.id])).rows[0].id, buyer.cart!.id);
    t.is(await scoped('webhook_endpoints'), 0, 'the deleted endpoint went once nothing referred to it');
    t.is((await owner.query('select count(*)::int as n from events where id = $1', [event.id])).rows[0].n, 1, 'an event not yet dispatched stays');
    t.is(await scoped('audit_log'), before.audit, 'audit entries stay for HERALD_AUDIT_RETENTION');

    api.clock.advance(340 * DAY);
    t.like(await purgeExpired(api.services), { audit_log: before.audit });
    t.is(await scoped('audit_log'), 0);
    t.is((await api.request('GET', `/v1/products/${keyed.body.id}`, { token: key })).status, 200, 'resources are never purged');
  } finally {
    await api.close();
  }
});

test('dashboard sessions past their expiry or idle timeout go; a live one stays', async (t) => {
  const api = await startApi();
  try {
    const user = await api.admin('POST', '/admin/v1/users', { email: `sessions-${randomBytes(3).toString('hex')}@example.com`, password: 'correct horse battery staple' });
    t.is(user.status, 201);
    const session = (expires: string, seen: string) => [randomBytes(32).toString('hex'), user.body.id, randomBytes(16).toString('hex'), expires, seen];
    const rows = [session("now() + interval '1 hour'", 'now()'), session("now() - interval '1 minute'", "now() - interval '2 hours'"), session("now() + interval '6 hours'", "now() - interval '3 hours'")];
    for (const [id, userId, csrf, expires, seen] of rows) {
      await api.db.owner.query(`insert into dashboard_sessions (id, user_id, mode, credentials_version, csrf_token, created_at, last_seen_at, expires_at)
        values ($1, $2, 'live', 1, $3, now() - interval '4 hours', ${seen}, ${expires})`, [id, userId, csrf]);
    }
    t.like(await purgeExpired(api.services), { sessions: 2 });
    const left = await api.db.owner.query('select id from dashboard_sessions where user_id = $1', [user.body.id]);
    t.deepEqual(left.rows.map((r) => r.id), [rows[0][0]], 'the live session stays; the expired and the idle one went');
  } finally {
    await api.close();
  }
});

test('replay says how far back it reaches', async (t) => {
  const stack = await startDeliveryStack();
  try {
    const { api } = stack;
    const { key } = await tenantWithKey(api);
    const endpoint = await registerEndpoint(api, key, { url: 'http://127.0.0.1:9/replay', event_types: ['*'] });
    const event = await emit(api, key, 'shop.replayed');
    await dispatched(api, [event.id]);
    const since = new Date(Date.now() - 60_000).toISOString();
    const res = await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token: key, body: { since, dry_run: true } });
    t.is(res.status, 202);
    t.true(Date.parse(res.headers.get('herald-events-retained-since')!) <= Date.now() - 29 * DAY);
    const tooOld = await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token: key, body: { since: new Date(Date.now() - 31 * DAY).toISOString() } });
    t.is(tooOld.status, 422);
    t.is(tooOld.body.errors[0].pointer, '/since');
    t.regex(tooOld.body.errors[0].detail, /or later/);
  } finally {
    await stack.close();
  }
});
