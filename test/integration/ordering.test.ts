// Ordered delivery (endpoint `ordering`): events sharing an ordering key — or, with `fifo`, all of
// an endpoint's events — reach it one at a time in commit order, a retry included; other keys go
// meanwhile. The retry schedule here is one retry after 5 s, as the issue asks to test.
import test from 'ava';
import { deliveriesOf, dispatched, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import type { Received, Receiver, Reply } from '../helpers/receiver.ts';
import type { TestApi } from '../helpers/api.ts';

const RETRY = { HERALD_RETRY_SCHEDULE: '5s' };
const { stack, newReceiver } = useDeliveryStack(test, { api: RETRY, worker: RETRY, concurrency: 16 });

async function emitKeyed(api: TestApi, key: string, n: number | string, orderingKey?: string) {
  const res = await api.request('POST', '/v1/events', { token: key, body: { type: 'ledger.entry', data: { n }, ...(orderingKey ? { ordering_key: orderingKey } : {}) } });
  if (res.status !== 201) throw new Error(`emit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A fresh tenant with one endpoint of this ordering on `ledger.*`, its receiver answering `replies` first. */
async function orderedEndpoint(ordering: string, ...replies: Reply[]) {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const r = await newReceiver();
  r.script(...replies);
  const endpoint = await registerEndpoint(api, key, { url: r.url, event_types: ['ledger.*'], ordering });
  return { api, key, r, endpoint };
}

/** What a receiver got, as `n#attempt`, in arrival order. */
const arrivals = (r: Receiver) => r.received.map((x: Received) => `${JSON.parse(x.body).data.n}#${x.headers['herald-attempt']}`);

/** Resolves when `release()` is called: a receiver reply held mid-delivery. */
function latch() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  return { held, release };
}

test('ordering "key": B waits during A\'s 5 s retry delay while another key goes; then A#2, B, C in commit order', async (t) => {
  t.timeout(30_000);
  const { api, key, r } = await orderedEndpoint('key', { status: 500 });
  const a = await emitKeyed(api, key, 'A', 'acct-1');
  await r.waitFor(1);
  const b = await emitKeyed(api, key, 'B', 'acct-1');
  await emitKeyed(api, key, 'C', 'acct-1');
  await emitKeyed(api, key, 'D', 'acct-2');
  await r.waitFor(2);
  t.deepEqual(arrivals(r), ['A#1', 'D#1'], 'another key is not held back by A\'s retry');
  // Well inside A's retry delay (5 s ± 20 %), B is still waiting for its turn.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  t.deepEqual(arrivals(r), ['A#1', 'D#1']);
  const [bDelivery] = await deliveriesOf(api, key, b.id);
  t.like(bDelivery, { status: 'pending', attempt_count: 0, next_attempt_at: null });

  await r.waitFor(5, 15_000);
  t.deepEqual(arrivals(r), ['A#1', 'D#1', 'A#2', 'B#1', 'C#1']);
  const [aDelivery] = await deliveriesOf(api, key, a.id);
  const done = await waitForDelivery(api, key, aDelivery.id, (d) => d.status === 'delivered');
  t.is(done.attempt_count, 2);
  // One at a time: B was sent only after A's answer was recorded.
  t.true(r.received[3].at >= r.received[2].at);
});

test('ordering "key": when the earlier event ends failed (its retries spent), the next one of its key goes', async (t) => {
  t.timeout(30_000);
  const { api, key, r } = await orderedEndpoint('key', { status: 500 }, { status: 500 });
  const a = await emitKeyed(api, key, 'A', 'k');
  const b = await emitKeyed(api, key, 'B', 'k');
  const [aDelivery] = await deliveriesOf(api, key, a.id);
  await waitForDelivery(api, key, aDelivery.id, (d) => d.status === 'failed', 15_000);
  const [bDelivery] = await deliveriesOf(api, key, b.id);
  await waitForDelivery(api, key, bDelivery.id, (d) => d.status === 'delivered', 5_000);
  t.deepEqual(arrivals(r), ['A#1', 'A#2', 'B#1']);
});

test('ordering "key" on resource events: a product\'s events wait for its earlier ones, another product\'s do not', async (t) => {
  t.timeout(30_000);
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const r = await newReceiver();
  r.script({ status: 503 }); // no Retry-After: the scheduled retry, and no pause of the endpoint
  await registerEndpoint(api, key, { url: r.url, event_types: ['product.*'], ordering: 'key' });
  const product = (name: string) => api.request('POST', '/v1/products', {
    token: key, body: { name, variants: [{ sku: `${name}-${Date.now()}`, price: 100, currency: 'EUR', inventory_quantity: 1 }] },
  });
  const first = await product('Lamp');
  t.is(first.status, 201, JSON.stringify(first.body));
  await r.waitFor(1);
  await api.request('PATCH', `/v1/products/${first.body.id}`, { token: key, body: { name: 'Desk lamp' } });
  const second = await product('Chair');
  await r.waitFor(2);
  const seen = () => r.received.map((x) => { const e = JSON.parse(x.body); return `${e.type}:${e.data.name}#${x.headers['herald-attempt']}`; });
  t.deepEqual(seen(), ['product.created:Lamp#1', 'product.created:Chair#1']);
  t.is(second.status, 201);
  await r.waitFor(4, 15_000);
  t.deepEqual(seen(), ['product.created:Lamp#1', 'product.created:Chair#1', 'product.created:Lamp#2', 'product.updated:Desk lamp#1']);
});

test('ordering "fifo": the endpoint\'s events one at a time in commit order, whatever their keys', async (t) => {
  const { api, key, r } = await orderedEndpoint('fifo', ...Array.from({ length: 8 }, () => ({ delayMs: 30 })));
  const events = [];
  for (let n = 0; n < 8; n++) events.push(await emitKeyed(api, key, n, n % 2 ? `k${n}` : undefined));
  await r.waitFor(8);
  t.deepEqual(arrivals(r), events.map((_, n) => `${n}#1`));
  const attempts = [];
  for (const e of events) attempts.push(...(await waitForDelivery(api, key, (await deliveriesOf(api, key, e.id))[0].id, (d) => d.status === 'delivered')).attempts);
  for (let i = 1; i < attempts.length; i++) {
    const previousEnd = Date.parse(attempts[i - 1].started_at) + attempts[i - 1].duration_ms;
    t.true(Date.parse(attempts[i].started_at) >= previousEnd - 1, `attempt ${i} started after attempt ${i - 1} ended`);
  }
});

test('a manual retry and a replay on an ordered endpoint join the back of their key', async (t) => {
  t.timeout(30_000);
  const hold = latch();
  // A#1 fails, A#2 succeeds, B is held.
  const { api, key, r, endpoint } = await orderedEndpoint('key', { status: 400 }, {}, { hold: hold.held });
  const since = new Date(Date.now() - 1_000).toISOString();
  const a = await emitKeyed(api, key, 'A', 'k');
  const [aDelivery] = await deliveriesOf(api, key, a.id);
  await waitForDelivery(api, key, aDelivery.id, (d) => d.status === 'retrying');
  // The scheduled retry is brought forward by a manual retry: A stays at the head of its key.
  t.is((await api.request('POST', `/v1/deliveries/${aDelivery.id}/retry`, { token: key })).status, 202);
  await waitForDelivery(api, key, aDelivery.id, (d) => d.status === 'delivered');
  const b = await emitKeyed(api, key, 'B', 'k');
  await r.waitFor(3); // B is held by the receiver
  const c = await emitKeyed(api, key, 'C', 'k');
  await dispatched(api, [c.id]);
  // A, ended, is sent again: it joins the back of its key, behind B (in flight) and C (waiting).
  t.is((await api.request('POST', `/v1/deliveries/${aDelivery.id}/retry`, { token: key })).status, 202);
  t.like((await api.request('GET', `/v1/deliveries/${aDelivery.id}`, { token: key })).body, { status: 'pending', next_attempt_at: null });
  // A replay of the window re-delivers A, B and C behind all of them.
  const replay = await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token: key, body: { since } });
  t.is(replay.status, 202, JSON.stringify(replay.body));
  hold.release();
  await r.waitFor(8);
  t.deepEqual(arrivals(r), ['A#1', 'A#2', 'B#1', 'C#1', 'A#3', 'A#1', 'B#1', 'C#1']);
  t.like((await deliveriesOf(api, key, b.id, 2)).map((d) => d.status), ['delivered', 'delivered']);
});

test('events without an ordering key are not held back on an endpoint ordered by key', async (t) => {
  t.timeout(30_000);
  const { api, key, r } = await orderedEndpoint('key', { status: 500 });
  await emitKeyed(api, key, 'A');
  await r.waitFor(1);
  await emitKeyed(api, key, 'B');
  await r.waitFor(2);
  t.deepEqual(arrivals(r), ['A#1', 'B#1']);
});

test('changing ordering affects new deliveries only: those already created keep their place', async (t) => {
  t.timeout(30_000);
  const { api, key, r, endpoint } = await orderedEndpoint('fifo', { status: 500 });
  await emitKeyed(api, key, 'A');
  await r.waitFor(1);
  const b = await emitKeyed(api, key, 'B');
  await dispatched(api, [b.id]);
  const changed = await api.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: key, body: { ordering: 'none' } });
  t.like(changed.body, { ordering: 'none' });
  await emitKeyed(api, key, 'C');
  await r.waitFor(2);
  // C is unordered and goes; B, created under fifo, still waits for A's retry.
  t.deepEqual(arrivals(r), ['A#1', 'C#1']);
  await r.waitFor(4, 15_000);
  t.deepEqual(arrivals(r), ['A#1', 'C#1', 'A#2', 'B#1']);
});

test('ordering, rate_limit and ordering_key are validated (422 naming the field) and shown on the endpoint', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const r = await newReceiver();
  const create = (body: Record<string, unknown>) => api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: r.url, event_types: ['*'], ...body } });
  // A value outside the option's set is a 422; a value of the wrong type, as everywhere, a 400.
  const bad: Array<[Record<string, unknown>, number, string]> = [
    [{ ordering: 'random' }, 422, '/ordering'], [{ rate_limit: 0 }, 422, '/rate_limit'], [{ rate_limit: 10_001 }, 422, '/rate_limit'],
    [{ ordering: 3 }, 400, '/ordering'], [{ rate_limit: 2.5 }, 400, '/rate_limit'], [{ rate_limit: '50' }, 400, '/rate_limit'],
  ];
  for (const [body, status, pointer] of bad) {
    const res = await create(body);
    t.is(res.status, status, JSON.stringify(body));
    t.true(JSON.stringify(res.body.errors).includes(pointer), `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
  }
  const plain = await create({});
  t.like(plain.body, { ordering: 'none', rate_limit: null, paused_until: null });
  const ordered = await create({ ordering: 'key', rate_limit: 10_000 });
  t.like(ordered.body, { ordering: 'key', rate_limit: 10_000 });
  const patched = await api.request('PATCH', `/v1/webhook-endpoints/${ordered.body.id}`, { token: key, body: { ordering: 'fifo', rate_limit: null } });
  t.like(patched.body, { ordering: 'fifo', rate_limit: null });
  t.is((await api.request('PATCH', `/v1/webhook-endpoints/${ordered.body.id}`, { token: key, body: { ordering: 'FIFO' } })).status, 422);

  for (const orderingKey of ['', 'x'.repeat(201), 7]) {
    const res = await api.request('POST', '/v1/events', { token: key, body: { type: 'ledger.entry', data: {}, ordering_key: orderingKey } });
    t.is(res.status, 400, JSON.stringify(orderingKey));
    t.true(JSON.stringify(res.body.errors).includes('/ordering_key'));
  }
  const keyed = await api.request('POST', '/v1/events', { token: key, body: { type: 'ledger.entry', data: {}, ordering_key: 'acct-1' } });
  t.is(keyed.status, 201);

  const spec = (await api.request('GET', '/openapi.json')).body;
  const text = JSON.stringify(spec);
  for (const field of ['"ordering"', '"rate_limit"', '"ordering_key"', '"paused_until"']) t.true(text.includes(field), `${field} in the OpenAPI document`);
});
