import test from 'ava';
import { deliveriesOf, dispatched, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { createTenant, tenantWithKey } from '../helpers/factories.ts';
import { verifyWebhook, type Reply } from '../helpers/receiver.ts';

// An endpoint failing continuously for two minutes is disabled; attempts come every 250 ms (±20 %)
// of real time, and the tests move the clock the worker reads past the window instead of waiting.
// (Two minutes, so that webhooks stamped with the moved clock stay within the receivers' five
// minutes of timestamp tolerance.) Serial tests: they move the clock the whole file shares.
const SCHEDULE = Array(12).fill('250ms').join(',');
const WINDOW_MS = 120_000;

const { stack, newReceiver } = useDeliveryStack(test, { worker: { HERALD_DISABLE_AFTER: '2m', HERALD_RETRY_SCHEDULE: SCHEDULE } });

const failing = (n: number): Reply[] => Array.from({ length: n }, () => ({ status: 500 }));
const getEndpoint = (key: string, id: string) => stack().api.request('GET', `/v1/webhook-endpoints/${id}`, { token: key });

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test.serial('an endpoint failing for HERALD_DISABLE_AFTER is disabled, its subscribers hear of it, no other tenant does; re-enabling resumes', async (t) => {
  const { api } = stack();
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const [down, watcher, strangerAll, strangerWatcher] = await Promise.all([newReceiver(), newReceiver(), newReceiver(), newReceiver()]);
  down.script(...failing(30));
  const endpoint = await registerEndpoint(api, key, { url: down.url, event_types: ['job.*'] });
  const watching = await registerEndpoint(api, key, { url: watcher.url, event_types: ['endpoint.disabled'] });
  const stranger = (await tenantWithKey(api)).key;
  await registerEndpoint(api, stranger, { url: strangerAll.url, event_types: ['*'] });
  await registerEndpoint(api, stranger, { url: strangerWatcher.url, event_types: ['endpoint.disabled'] });

  const event = await emit(api, key, 'job.failed');
  await down.waitFor(2);
  api.clock.advance(WINDOW_MS); // the third attempt starts a full window into the streak
  const disabled = await waitUntil('the endpoint is disabled', async () => {
    const res = await getEndpoint(key, endpoint.id);
    return res.body.enabled ? undefined : res.body;
  });
  t.regex(disabled.disabled_reason, /^failing continuously since \d{4}-\d\d-\d\dT[\d:.]+Z \(last: HTTP 500\)$/);

  const [delivery] = await deliveriesOf(api, key, event.id);
  const ended = await waitForDelivery(api, key, delivery.id, (d) => d.status === 'failed');
  t.is(ended.status_reason, disabled.disabled_reason);
  const starts = ended.attempts.map((a: any) => Date.parse(a.started_at));
  t.true(starts.at(-1) - starts[0] >= WINDOW_MS, 'disabled by the first failure a full window into the streak');
  t.true(starts.at(-2) - starts[0] < WINDOW_MS, 'and not before');
  t.true(ended.attempts.length >= 3);

  const [notice] = await watcher.waitFor(1);
  t.like(verifyWebhook(watching.secret, notice), {
    type: 'endpoint.disabled', tenant_id: shop.id, data: { endpoint_id: endpoint.id, reason: disabled.disabled_reason },
  });
  const noticeId = notice.headers['webhook-id'];
  await dispatched(api, [noticeId]);
  t.is(strangerAll.received.length, 0, 'no other tenant hears of it');
  t.is(strangerWatcher.received.length, 0);

  // Disabled: new events are not delivered to it (once dispatched, before the re-enable below).
  const ignored = await emit(api, key, 'job.failed');
  await dispatched(api, [ignored.id]);
  const attemptsSoFar = down.received.length;
  const reenabled = await api.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: key, body: { enabled: true } });
  t.like(reenabled.body, { enabled: true, disabled_reason: null });
  t.is((await api.request('GET', `/v1/deliveries?event_id=${ignored.id}`, { token: key })).body.data.length, 0);

  // Re-enabled: new events flow again, and the old streak is forgotten (one more failure does not disable it).
  down.script({ status: 500 });
  const resumed = await emit(api, key, 'job.done');
  const [next] = await deliveriesOf(api, key, resumed.id);
  const done = await waitForDelivery(api, key, next.id, (d) => d.status === 'delivered');
  t.deepEqual(done.attempts.map((a: any) => a.status_code), [500, 200]);
  t.is(down.received.length, attemptsSoFar + 2);
  t.true((await getEndpoint(key, endpoint.id)).body.enabled);
});

test.serial('a success breaks the streak: an endpoint failing on and off for longer than the window stays enabled', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const flaky = await newReceiver();
  const endpoint = await registerEndpoint(api, key, { url: flaky.url, event_types: ['*'] });

  flaky.script({ status: 500 });
  const first = await emit(api, key, 'job.done');
  const [d1] = await deliveriesOf(api, key, first.id);
  await waitForDelivery(api, key, d1.id, (d) => d.status === 'delivered');

  // A second failure more than the window after the first failure: without the success between, it would disable.
  api.clock.advance(WINDOW_MS + 1_000);
  flaky.script({ status: 500 });
  const second = await emit(api, key, 'job.done');
  const [d2] = await deliveriesOf(api, key, second.id);
  const two = await waitForDelivery(api, key, d2.id, (d) => d.status === 'delivered');
  t.deepEqual(two.attempts.map((a: any) => a.status_code), [500, 200]);
  t.like((await getEndpoint(key, endpoint.id)).body, { enabled: true, disabled_reason: null });
});

test('an automatic disable cancels the endpoint\'s other waiting deliveries', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const gone = await newReceiver();
  // The first delivery waits an hour (Retry-After); the second gets 410 Gone.
  gone.script({ status: 503, headers: { 'retry-after': '3600' } }, { status: 410 });
  const endpoint = await registerEndpoint(api, key, { url: gone.url, event_types: ['*'] });
  const waiting = await emit(api, key, 'job.queued');
  const [w] = await deliveriesOf(api, key, waiting.id);
  await waitForDelivery(api, key, w.id, (d) => d.status === 'retrying');
  // The endpoint's pause (the Retry-After) over, its retry still an hour away.
  await api.db.owner.query('update webhook_endpoints set paused_until = null where id = $1', [endpoint.id]);
  const fatal = await emit(api, key, 'job.queued');
  const [f] = await deliveriesOf(api, key, fatal.id);
  await waitForDelivery(api, key, f.id, (d) => d.status === 'failed');
  t.like((await getEndpoint(key, endpoint.id)).body, { enabled: false, disabled_reason: 'the endpoint answered 410 Gone' });
  t.like((await api.request('GET', `/v1/deliveries/${w.id}`, { token: key })).body, { status: 'cancelled', status_reason: 'endpoint disabled', next_attempt_at: null });
});
