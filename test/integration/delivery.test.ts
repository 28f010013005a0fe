import test from 'ava';
import { deliveriesOf, dispatched, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { startDispatcher } from '../../workers/dispatch.ts';
import { createTenant } from '../helpers/factories.ts';
import { verifyWebhook, type Receiver } from '../helpers/receiver.ts';

const { stack, newReceiver: receiver } = useDeliveryStack(test);

test('each receiver gets exactly its own tenant\'s matching events, signed and tagged with the tenant', async (t) => {
  const { api } = stack();
  const acme = await createTenant(api);
  const globex = await createTenant(api);
  const acmeLive = (await acme.key({ mode: 'live' })).key;
  const acmeTest = (await acme.key({ mode: 'test' })).key;
  const globexLive = (await globex.key({ mode: 'live' })).key;

  const [shipments, invoicesPaid, acmeTestAll, globexAll, disabled] = await Promise.all([receiver(), receiver(), receiver(), receiver(), receiver()]);
  const endpoints = {
    shipments: await registerEndpoint(api, acmeLive, { url: `${shipments.url}/hooks`, event_types: ['shipment.*'] }),
    invoicesPaid: await registerEndpoint(api, acmeLive, { url: invoicesPaid.url, event_types: ['invoice.paid'] }),
    acmeTestAll: await registerEndpoint(api, acmeTest, { url: acmeTestAll.url, event_types: ['*'] }),
    globexAll: await registerEndpoint(api, globexLive, { url: globexAll.url, event_types: ['*'] }),
    disabled: await registerEndpoint(api, acmeLive, { url: disabled.url, event_types: ['*'], enabled: false }),
  };

  const acmeEvents = [
    await emit(api, acmeLive, 'shipment.created', { n: 1 }),
    await emit(api, acmeLive, 'shipment.delivered', { n: 2 }),
    await emit(api, acmeLive, 'invoice.paid', { n: 3 }),
    await emit(api, acmeLive, 'invoice.voided', { n: 4 }),
  ];
  const acmeTestEvent = await emit(api, acmeTest, 'shipment.created', { n: 5 });
  const globexEvent = await emit(api, globexLive, 'invoice.paid', { n: 6 });

  // Fan-out, as the deliveries API reports it per event.
  const fanOut = async (token: string, event: any, endpointIds: string[]) => {
    const deliveries = endpointIds.length ? await deliveriesOf(api, token, event.id, endpointIds.length) : [];
    t.deepEqual(deliveries.map((d) => d.endpoint_id).sort(), [...endpointIds].sort(), event.type);
    for (const d of deliveries) await waitForDelivery(api, token, d.id, (x) => x.status === 'delivered');
  };
  await fanOut(acmeLive, acmeEvents[0], [endpoints.shipments.id]);
  await fanOut(acmeLive, acmeEvents[1], [endpoints.shipments.id]);
  await fanOut(acmeLive, acmeEvents[2], [endpoints.invoicesPaid.id]);
  await fanOut(acmeTest, acmeTestEvent, [endpoints.acmeTestAll.id]);
  await fanOut(globexLive, globexEvent, [endpoints.globexAll.id]);
  // An event nobody subscribes to is taken from the outbox with no deliveries.
  await dispatched(api, [acmeEvents[3].id]);
  const unmatched = await api.db.owner.query('select count(*)::int as n from deliveries where event_id = $1', [acmeEvents[3].id]);
  t.is(unmatched.rows[0].n, 0);

  const expectations: Array<[Receiver, any, any[], string]> = [
    [shipments, endpoints.shipments, [acmeEvents[0], acmeEvents[1]], acme.id],
    [invoicesPaid, endpoints.invoicesPaid, [acmeEvents[2]], acme.id],
    [acmeTestAll, endpoints.acmeTestAll, [acmeTestEvent], acme.id],
    [globexAll, endpoints.globexAll, [globexEvent], globex.id],
  ];
  for (const [r, endpoint, events, tenantId] of expectations) {
    t.deepEqual(r.received.map((x) => x.headers['webhook-id']).sort(), events.map((e) => e.id).sort(), endpoint.url);
    for (const request of r.received) {
      const event = events.find((e) => e.id === request.headers['webhook-id']);
      t.deepEqual(verifyWebhook(endpoint.secret, request), event, 'the body is the event as GET /v1/events/:id shows it');
      t.is(request.headers['herald-tenant-id'], tenantId);
      t.is(request.headers['herald-event-type'], event.type);
      t.is(request.headers['herald-attempt'], '1');
      t.is(request.headers['content-type'], 'application/json');
      t.regex(request.headers['user-agent'], /^Herald-Webhooks\/\d+\.\d+\.\d+$/);
      t.regex(request.headers['webhook-timestamp'], /^\d{10}$/);
    }
  }
  t.is(shipments.received[0].path, '/hooks');
  t.is(disabled.received.length, 0);

});

test('a delivery records its attempt: number, timing, status and the response excerpt', async (t) => {
  const { api } = stack();
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const r = await receiver();
  r.script({ status: 204, headers: { 'x-receiver': 'yes' }, body: '' });
  const endpoint = await registerEndpoint(api, key, { url: r.url, event_types: ['ticket.opened'] });
  const event = await emit(api, key, 'ticket.opened', { ticket: 7 });
  const [delivery] = await deliveriesOf(api, key, event.id);
  t.like(delivery, { object: 'delivery', endpoint_id: endpoint.id, event_id: event.id, event_type: 'ticket.opened', mode: 'live' });
  const done = await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered');
  t.like(done, { attempt_count: 1, next_attempt_at: null, status_reason: null });
  t.is(done.attempts.length, 1);
  const [attempt] = done.attempts;
  t.like(attempt, { number: 1, status_code: 204, response_body: '', error: null });
  t.regex(attempt.id, /^att_/);
  t.is(attempt.response_headers['x-receiver'], 'yes');
  t.true(attempt.duration_ms >= 0);
  t.true(Date.parse(attempt.started_at) <= Date.parse(done.last_attempt_at!) + 1);
});

test('a big response body is stored cut at 64 KiB', async (t) => {
  const { api } = stack();
  const { key } = await (await createTenant(api)).key();
  const r = await receiver();
  r.script({ status: 200, body: 'x'.repeat(200 * 1024) });
  await registerEndpoint(api, key, { url: r.url, event_types: ['*'] });
  const event = await emit(api, key, 'report.generated');
  const [delivery] = await deliveriesOf(api, key, event.id);
  const done = await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered');
  t.is(done.attempts[0].response_body.length, 64 * 1024);
});

test('the deliveries list filters by endpoint, event and status and pages newest first', async (t) => {
  const { api } = stack();
  const { key } = await (await createTenant(api)).key();
  const ok = await receiver();
  const first = await registerEndpoint(api, key, { url: ok.url, event_types: ['*'] });
  const second = await registerEndpoint(api, key, { url: ok.url, event_types: ['parcel.sent'] });
  const events = [await emit(api, key, 'parcel.sent'), await emit(api, key, 'parcel.lost'), await emit(api, key, 'parcel.sent')];
  for (const e of events) for (const d of await deliveriesOf(api, key, e.id, e.type === 'parcel.sent' ? 2 : 1)) {
    await waitForDelivery(api, key, d.id, (x) => x.status === 'delivered');
  }
  const all = await api.request('GET', '/v1/deliveries?limit=100', { token: key });
  t.is(all.body.data.length, 5);
  const created = all.body.data.map((d: any) => d.created_at);
  t.deepEqual(created, [...created].sort().reverse(), 'newest first');

  const bySecond = await api.request('GET', `/v1/deliveries?endpoint_id=${second.id}`, { token: key });
  t.deepEqual(bySecond.body.data.map((d: any) => d.event_id).sort(), [events[0].id, events[2].id].sort());
  const byEvent = await api.request('GET', `/v1/deliveries?event_id=${events[1].id}`, { token: key });
  t.deepEqual(byEvent.body.data.map((d: any) => d.endpoint_id), [first.id]);
  t.is((await api.request('GET', '/v1/deliveries?status=failed', { token: key })).body.data.length, 0);
  t.is((await api.request('GET', '/v1/deliveries?status=delivered', { token: key })).body.data.length, 5);

  const page1 = await api.request('GET', '/v1/deliveries?limit=2', { token: key });
  t.true(page1.body.has_more);
  const page2 = await api.request('GET', `/v1/deliveries?limit=2&starting_after=${page1.body.next_cursor}`, { token: key });
  const page3 = await api.request('GET', `/v1/deliveries?limit=2&starting_after=${page2.body.next_cursor}`, { token: key });
  t.false(page3.body.has_more);
  t.deepEqual([...page1.body.data, ...page2.body.data, ...page3.body.data].map((d: any) => d.id), all.body.data.map((d: any) => d.id));

  t.is((await api.request('GET', '/v1/deliveries?status=lost', { token: key })).status, 400);
  t.is((await api.request('GET', '/v1/deliveries?colour=red', { token: key })).status, 400);
});

test('deliveries are invisible to other tenants and to the other mode', async (t) => {
  const { api } = stack();
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const other = (await (await createTenant(api)).key()).key;
  const sameTenantTest = (await shop.key({ mode: 'test' })).key;
  const r = await receiver();
  await registerEndpoint(api, key, { url: r.url, event_types: ['*'] });
  const event = await emit(api, key, 'note.added');
  const [delivery] = await deliveriesOf(api, key, event.id);
  for (const token of [other, sameTenantTest]) {
    t.is((await api.request('GET', `/v1/deliveries/${delivery.id}`, { token })).status, 404);
    t.is((await api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token })).status, 404);
    t.is((await api.request('GET', `/v1/deliveries?event_id=${event.id}`, { token })).body.data.length, 0);
  }
  const viewer = (await shop.key({ role: 'viewer' })).key;
  t.is((await api.request('GET', `/v1/deliveries/${delivery.id}`, { token: viewer })).status, 200);
  t.is((await api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: viewer })).status, 403);
});

test('several dispatchers at once deliver every event exactly once', async (t) => {
  const { api, worker } = stack();
  const { key } = await (await createTenant(api)).key();
  const r = await receiver();
  await registerEndpoint(api, key, { url: r.url, event_types: ['*'] });
  const extra = [startDispatcher(worker), startDispatcher(worker)];
  const events = await Promise.all(Array.from({ length: 60 }, (_, i) => emit(api, key, 'bulk.item', { i })));
  try {
    await r.waitFor(60);
  } finally {
    await Promise.all(extra.map((d) => d.stop()));
  }
  const counts = await api.db.owner.query(
    'select event_id, count(*)::int as n from deliveries where event_id = any($1::text[]) group by event_id', [events.map((e) => e.id)]);
  t.is(counts.rowCount, 60);
  t.true(counts.rows.every((row) => row.n === 1));
  t.deepEqual(r.received.map((x) => x.headers['webhook-id']).sort(), events.map((e) => e.id).sort());
});
