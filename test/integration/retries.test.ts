import test from 'ava';
import { deliveriesOf, noteJobInserts, dispatched, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { createTenant } from '../helpers/factories.ts';
import { freePort } from '../../src/db/embedded.ts';
import { jobId } from '../../src/queue/index.ts';

// HERALD_RETRY_SCHEDULE is 50ms,100ms,200ms here: four attempts in all. Requests time out after 300 ms.
const { stack, newReceiver: receiver } = useDeliveryStack(test, { timeoutMs: 300 });

/** A tenant with an endpoint at `url` for every event, and one event's delivery. */
async function deliveryTo(url: string, endpointFields: Record<string, unknown> = {}) {
  const { api } = stack();
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const endpoint = await registerEndpoint(api, key, { url, event_types: ['*'], ...endpointFields });
  const event = await emit(api, key, 'job.finished', { job: 1 });
  const [delivery] = await deliveriesOf(api, key, event.id);
  return { shop, key, endpoint, event, delivery };
}

const ended = (d: any) => ['delivered', 'failed', 'cancelled'].includes(d.status);

test('a receiver answering 500 gets every scheduled attempt, then the delivery is failed with all attempts on record', async (t) => {
  const r = await receiver();
  r.script({ status: 500, body: 'boom' }, { status: 500 }, { status: 500 }, { status: 500 });
  const { key, delivery, event } = await deliveryTo(r.url);
  const done = await waitForDelivery(stack().api, key, delivery.id, ended);
  t.is(done.status, 'failed');
  t.is(done.attempt_count, 4);
  t.is(done.next_attempt_at, null);
  t.regex(done.status_reason, /HTTP 500 on attempt 4, the last one/);
  t.deepEqual(done.attempts.map((a: any) => [a.number, a.status_code]), [[1, 500], [2, 500], [3, 500], [4, 500]]);
  t.is(done.attempts[0].response_body, 'boom');
  t.deepEqual(r.received.map((x) => x.headers['herald-attempt']), ['1', '2', '3', '4']);
  t.true(r.received.every((x) => x.headers['webhook-id'] === event.id), 'the same webhook-id on every attempt');
  // The schedule's delays (±20 %) separate the attempts.
  const gaps = r.received.slice(1).map((x, i) => x.at - r.received[i].at);
  [50, 100, 200].forEach((step, i) => t.true(gaps[i] >= step * 0.8 - 5, `gap ${i + 1} is ${gaps[i]} ms`));
});

test('a retrying delivery shows its status and next attempt while it waits', async (t) => {
  const r = await receiver();
  r.script({ status: 503, headers: { 'retry-after': '3600' } });
  const { key, delivery } = await deliveryTo(r.url);
  const waiting = await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'retrying');
  t.is(waiting.attempt_count, 1);
  const wait = Date.parse(waiting.next_attempt_at) - Date.parse(waiting.last_attempt_at);
  t.true(wait >= 3_600_000 && wait < 3_601_000, `Retry-After 3600 s puts the next attempt an hour after this one (${wait} ms)`);
});

test('timeouts are retried and recorded as timeouts', async (t) => {
  const r = await receiver();
  r.script({ delayMs: 1_000 }, { delayMs: 1_000 }, { delayMs: 1_000 }, { delayMs: 1_000 });
  const { key, delivery } = await deliveryTo(r.url);
  const done = await waitForDelivery(stack().api, key, delivery.id, ended);
  t.is(done.status, 'failed');
  t.deepEqual(done.attempts.map((a: any) => a.error?.kind), ['timeout', 'timeout', 'timeout', 'timeout']);
  t.true(done.attempts.every((a: any) => a.status_code === null && a.duration_ms >= 290 && a.duration_ms < 1_000));
});

test('a refused connection is retried and recorded as connection_refused', async (t) => {
  const port = await freePort();
  const { key, delivery } = await deliveryTo(`http://127.0.0.1:${port}/`);
  const done = await waitForDelivery(stack().api, key, delivery.id, ended);
  t.is(done.status, 'failed');
  t.is(done.attempts.length, 4);
  t.true(done.attempts.every((a: any) => a.error?.kind === 'connection_refused'), JSON.stringify(done.attempts.map((a: any) => a.error)));
  t.regex(done.status_reason, /connection_refused/);
});

test('Retry-After on 429 and 503 is honoured, as seconds or as an HTTP date, beyond the schedule step', async (t) => {
  const r = await receiver();
  const inOneSecond = new Date(Date.now() + 2_000).toUTCString();
  r.script({ status: 429, headers: { 'retry-after': '1' } }, { status: 503, headers: { 'retry-after': inOneSecond } }, { status: 200 });
  const { key, delivery } = await deliveryTo(r.url);
  const done = await waitForDelivery(stack().api, key, delivery.id, ended, 15_000);
  t.is(done.status, 'delivered');
  t.deepEqual(done.attempts.map((a: any) => a.status_code), [429, 503, 200]);
  const [first, second, third] = r.received.map((x) => x.at);
  t.true(second - first >= 950, `waited ${second - first} ms after Retry-After: 1`);
  t.true(third - first >= 1_000, `waited until the HTTP date (${third - first} ms after the first attempt)`);
});

test('a 410 Gone disables the endpoint with a reason and tells the tenant\'s subscribers', async (t) => {
  const { api } = stack();
  const gone = await receiver();
  const watcher = await receiver();
  gone.script({ status: 410 });
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const endpoint = await registerEndpoint(api, key, { url: gone.url, event_types: ['job.*'] });
  const watching = await registerEndpoint(api, key, { url: watcher.url, event_types: ['endpoint.disabled'] });
  const event = await emit(api, key, 'job.finished');
  const [delivery] = await deliveriesOf(api, key, event.id);
  const done = await waitForDelivery(api, key, delivery.id, ended);
  t.like(done, { status: 'failed', attempt_count: 1, status_reason: 'the endpoint answered 410 Gone' });

  const disabled = await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: key });
  t.like(disabled.body, { enabled: false, disabled_reason: 'the endpoint answered 410 Gone' });
  const [notice] = await watcher.waitFor(1);
  t.like(JSON.parse(notice.body), { type: 'endpoint.disabled', data: { endpoint_id: endpoint.id, reason: 'the endpoint answered 410 Gone' } });
  t.truthy(watching.id);

  // A disabled endpoint gets nothing more.
  const later = await emit(api, key, 'job.finished');
  await dispatched(api, [later.id]);
  t.is((await api.request('GET', `/v1/deliveries?event_id=${later.id}`, { token: key })).body.data.length, 0);
  t.is(gone.received.length, 1);
});

test('a 302 is a failure and is never followed', async (t) => {
  const target = await receiver();
  const redirecting = await receiver();
  const redirect = { status: 302, headers: { location: `${target.url}/elsewhere` } };
  redirecting.script(redirect, redirect, redirect, redirect);
  const { key, delivery } = await deliveryTo(redirecting.url);
  const done = await waitForDelivery(stack().api, key, delivery.id, ended);
  t.is(done.status, 'failed');
  t.deepEqual(done.attempts.map((a: any) => a.status_code), [302, 302, 302, 302]);
  t.is(done.attempts[0].response_headers.location, `${target.url}/elsewhere`);
  t.regex(done.status_reason, /redirect/);
  t.is(target.received.length, 0);
});

test('a manual retry makes a new attempt now with the same webhook-id', async (t) => {
  const r = await receiver();
  r.script({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
  const { key, delivery, event } = await deliveryTo(r.url);
  await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'failed');

  const retried = await stack().api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key });
  t.is(retried.status, 202);
  t.like(retried.body, { id: delivery.id, status: 'pending', status_reason: null });
  const done = await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'delivered');
  t.is(done.attempt_count, 5);
  t.deepEqual(done.attempts.map((a: any) => a.status_code), [500, 500, 500, 500, 200]);
  const last = r.received.at(-1)!;
  t.is(last.headers['webhook-id'], event.id);
  t.is(last.headers['herald-attempt'], '5');

  // A delivered delivery can be sent again too.
  t.is((await stack().api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key })).status, 202);
  await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'delivered' && d.attempt_count === 6);
  t.is(r.received.length, 6);
});

test('a manual retry brings a scheduled attempt forward instead of adding one', async (t) => {
  const jobsOf = await noteJobInserts(stack().api);
  const r = await receiver();
  r.script({ status: 503, headers: { 'retry-after': '3600' } });
  const { key, delivery } = await deliveryTo(r.url);
  await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'retrying');
  const retried = await stack().api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key });
  t.is(retried.status, 202);
  const done = await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'delivered');
  t.is(done.attempt_count, 2);
  t.deepEqual((await jobsOf(delivery.id)).map((j) => j.attempt), ['1', '2'], 'one job per attempt');
});

test('deleting an endpoint cancels its pending deliveries; they can no longer be retried', async (t) => {
  const r = await receiver();
  r.script({ status: 503, headers: { 'retry-after': '3600' } });
  const { key, delivery, endpoint } = await deliveryTo(r.url);
  await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'retrying');
  t.is((await stack().api.request('DELETE', `/v1/webhook-endpoints/${endpoint.id}`, { token: key })).status, 204);
  const cancelled = await stack().api.request('GET', `/v1/deliveries/${delivery.id}`, { token: key });
  t.like(cancelled.body, { status: 'cancelled', status_reason: 'endpoint deleted', next_attempt_at: null, attempt_count: 1 });
  const retry = await stack().api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key });
  t.is(retry.status, 409);
});

test('a delivery to an endpoint disabled meanwhile is cancelled when its attempt comes due; re-enabled, a retry sends it now', async (t) => {
  const r = await receiver();
  r.script({ status: 503, headers: { 'retry-after': '3600' } });
  const { key, delivery, endpoint } = await deliveryTo(r.url);
  await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'retrying');
  await stack().api.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: key, body: { enabled: false } });
  t.is((await stack().api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key })).status, 409);
  // The scheduled second attempt comes due now.
  await stack().api.db.owner.query(`update pgboss.job set start_after = now() where name = 'deliver' and id = $1`, [jobId(delivery.id, 2)]);
  const done = await waitForDelivery(stack().api, key, delivery.id, ended);
  t.like(done, { status: 'cancelled', status_reason: 'endpoint disabled', attempt_count: 1 });
  t.is(r.received.length, 1);

  // The second attempt's job has run (it found the delivery cancelled); the retry's attempt 2 replaces it.
  await stack().api.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: key, body: { enabled: true } });
  t.is((await stack().api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key })).status, 202);
  const sent = await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'delivered', 5_000);
  t.deepEqual(sent.attempts.map((a: any) => [a.number, a.status_code]), [[1, 503], [2, 200]]);
  t.is(r.received.at(-1)!.headers['herald-attempt'], '2');
});
