import test from 'ava';
import { deliveriesOf, dispatched, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { createTenant, tenantWithKey } from '../helpers/factories.ts';
import { verifyWebhook } from '../helpers/receiver.ts';

// Replays reach back one day here.

const { stack, newReceiver } = useDeliveryStack(test, { api: { HERALD_EVENT_RETENTION: '1d' } });

const post = (key: string, path: string, body?: unknown) => stack().api.request('POST', path, { token: key, body });

test('a test event reaches only its endpoint, signed, with its delivery and attempt on record', async (t) => {
  const { api } = stack();
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const [target, sibling, stranger] = await Promise.all([newReceiver(), newReceiver(), newReceiver()]);
  const endpoint = await registerEndpoint(api, key, { url: target.url, event_types: ['parcel.sent'] });
  await registerEndpoint(api, key, { url: sibling.url, event_types: ['*'] });
  await registerEndpoint(api, (await tenantWithKey(api)).key, { url: stranger.url, event_types: ['*'] });

  const sent = await post(key, `/v1/webhook-endpoints/${endpoint.id}/test`);
  t.is(sent.status, 202);
  t.like(sent.body, { object: 'delivery', endpoint_id: endpoint.id, event_type: 'webhook.test', status: 'pending', attempt_count: 0 });
  const done = await waitForDelivery(api, key, sent.body.id, (d) => d.status === 'delivered');
  t.like(done.attempts[0], { number: 1, status_code: 200 });

  const [request] = await target.waitFor(1);
  const body = verifyWebhook(endpoint.secret, request);
  t.like(body, { id: sent.body.event_id, type: 'webhook.test', tenant_id: shop.id, mode: 'live', data: { endpoint_id: endpoint.id } });
  t.is(request.headers['herald-event-type'], 'webhook.test');
  const event = await api.request('GET', `/v1/events/${sent.body.event_id}`, { token: key });
  t.deepEqual(event.body, body, 'it is an event like any other in the log');

  await dispatched(api, [sent.body.event_id]);
  t.deepEqual((await deliveriesOf(api, key, sent.body.event_id)).map((d) => d.id), [sent.body.id], 'one delivery, to the endpoint named');
  t.is(sibling.received.length, 0, 'a * subscriber of the same tenant gets nothing');
  t.is(stranger.received.length, 0);
});

test('a test event is refused for a disabled endpoint, another tenant\'s endpoint and a viewer', async (t) => {
  const shop = await createTenant(stack().api);
  const { key } = await shop.key();
  const r = await newReceiver();
  const disabled = await registerEndpoint(stack().api, key, { url: r.url, event_types: ['*'], enabled: false });
  t.is((await post(key, `/v1/webhook-endpoints/${disabled.id}/test`)).status, 409);
  t.is((await post((await tenantWithKey(stack().api)).key, `/v1/webhook-endpoints/${disabled.id}/test`)).status, 404);
  t.is((await post((await shop.key({ role: 'viewer' })).key, `/v1/webhook-endpoints/${disabled.id}/test`)).status, 403);
  t.is((await post(key, `/v1/webhook-endpoints/${disabled.id}/test`, { extra: 1 })).status, 400);
  t.is(r.received.length, 0);
});

test('a replay dry run counts; the replay then delivers each matching event of the window once, with its original webhook-id', async (t) => {
  const { api } = stack();
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const [r, other] = await Promise.all([newReceiver(), newReceiver()]);
  const since = new Date(Date.now() - 1000).toISOString();
  // An event from before the endpoint existed is part of the tenant's history too.
  const early = await emit(api, key, 'parcel.sent', { n: 0 });
  await dispatched(api, [early.id]);
  const endpoint = await registerEndpoint(api, key, { url: r.url, event_types: ['parcel.*'] });
  await registerEndpoint(api, key, { url: other.url, event_types: ['note.*'] });
  const sent = await emit(api, key, 'parcel.sent', { n: 1 });
  const lost = await emit(api, key, 'parcel.lost', { n: 2 });
  const note = await emit(api, key, 'note.added', { n: 3 });
  await r.waitFor(2);
  await other.waitFor(1);
  await dispatched(api, [early.id, sent.id, lost.id, note.id]);
  const path = `/v1/webhook-endpoints/${endpoint.id}/replay`;

  const dry = await post(key, path, { since, dry_run: true });
  t.is(dry.status, 202);
  t.deepEqual(dry.body, { count: 3 });
  const window = await post(key, path, { since: sent.created_at, until: lost.created_at, dry_run: true });
  t.deepEqual(window.body, { count: 1 }, 'since is inclusive, until exclusive');
  t.is((await deliveriesOf(api, key, sent.id)).length, 1, 'a dry run delivers nothing');

  const replay = await post(key, path, { since });
  t.is(replay.status, 202);
  t.deepEqual(replay.body, { count: 3 });
  const replayed = await r.waitFor(5);
  const ids = replayed.slice(2).map((x) => x.headers['webhook-id']);
  t.deepEqual(ids.sort(), [early.id, sent.id, lost.id].sort(), 'each once, with the original webhook-id');
  for (const request of replayed.slice(2)) t.is(verifyWebhook(endpoint.secret, request).id, request.headers['webhook-id']);
  const replays = await deliveriesOf(api, key, sent.id, 2);
  t.is(replays.length, 2, 'a new delivery beside the original');
  for (const d of replays) await waitForDelivery(api, key, d.id, (x) => x.status === 'delivered');
  t.is(other.received.length, 1, 'other endpoints get nothing');
  t.is(r.received.length, 5);
});

test('a replay is bounded by event retention and refused for a disabled endpoint', async (t) => {
  const shop = await createTenant(stack().api);
  const { key } = await shop.key();
  const r = await newReceiver();
  const endpoint = await registerEndpoint(stack().api, key, { url: r.url, event_types: ['*'] });
  const path = `/v1/webhook-endpoints/${endpoint.id}/replay`;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

  const tooOld = await post(key, path, { since: hoursAgo(25) });
  t.is(tooOld.status, 422);
  t.is(tooOld.body.errors[0].pointer, '/since');
  t.deepEqual((await post(key, path, { since: hoursAgo(23), dry_run: true })).body, { count: 0 });
  const backwards = await post(key, path, { since: hoursAgo(1), until: hoursAgo(2) });
  t.is(backwards.status, 422);
  t.is(backwards.body.errors[0].pointer, '/until');
  for (const body of [{}, { since: 'yesterday' }, { since: hoursAgo(1), dry_run: 'yes' }, { since: hoursAgo(1), colour: 'red' }]) {
    t.is((await post(key, path, body)).status, 400, JSON.stringify(body));
  }
  t.is((await post((await tenantWithKey(stack().api)).key, path, { since: hoursAgo(1) })).status, 404);

  await stack().api.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: key, body: { enabled: false } });
  const refused = await post(key, path, { since: hoursAgo(1) });
  t.is(refused.status, 409);
  t.regex(refused.body.detail, /disabled/);
  t.is(r.received.length, 0);
});
