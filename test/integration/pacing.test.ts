// Pacing an endpoint: its rate limit (attempts per second, across workers) and the pause a 429 or
// 503 with Retry-After asks for, which holds back all of the endpoint's deliveries, not only the
// one attempt, and costs the others no attempt.
import test from 'ava';
import { deliveriesOf, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';

// One attempt per endpoint at a time, so the pause's effect on the others is plain to see.
const { stack, newReceiver } = useDeliveryStack(test, { worker: { HERALD_ENDPOINT_CONCURRENCY: '1' }, concurrency: 16 });

/** The most arrivals in any window of `windowMs` (half-open). */
function mostInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

for (const status of [429, 503]) {
  test(`a ${status} with Retry-After pauses the whole endpoint until then; the waiting deliveries lose no attempt; other endpoints go on`, async (t) => {
    t.timeout(30_000);
    const { api } = stack();
    const { key } = await tenantWithKey(api);
    const [paused, other] = [await newReceiver(), await newReceiver()];
    paused.script({ status, headers: { 'retry-after': '3' } });
    const endpoint = await registerEndpoint(api, key, { url: paused.url, event_types: ['sync.*'] });
    await registerEndpoint(api, key, { url: other.url, event_types: ['sync.*', 'other.*'] });
    const events = [];
    for (let n = 0; n < 4; n++) events.push(await emit(api, key, 'sync.requested', { n }));
    await paused.waitFor(1);
    const pausedAt = paused.received[0].at;
    await other.waitFor(4);
    await emit(api, key, 'other.happened');
    await other.waitFor(5);
    t.true(other.received.at(-1)!.at < pausedAt + 3_000, 'the other endpoint is not paused');
    t.is(paused.received.length, 1, 'nothing else reached the paused endpoint meanwhile');
    const first = (await deliveriesOf(api, key, events[JSON.parse(paused.received[0].body).data.n].id, 2)).find((x) => x.endpoint_id === endpoint.id);
    await waitForDelivery(api, key, first.id, (d) => d.status === 'retrying');
    const shown = (await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: key })).body;
    t.true(Math.abs(Date.parse(shown.paused_until) - (pausedAt + 3_000)) < 1_000, `paused until ${shown.paused_until}`);

    await paused.waitFor(5, 10_000);
    const resumed = paused.received.slice(1).map((r) => r.at - pausedAt);
    t.true(Math.min(...resumed) >= 2_900, `the next attempts came ${resumed} ms after the ${status}`);
    const counts = [];
    for (const e of events) {
      const d = (await deliveriesOf(api, key, e.id, 2)).find((x) => x.endpoint_id === endpoint.id);
      counts.push((await waitForDelivery(api, key, d.id, (x) => x.status === 'delivered')).attempt_count);
    }
    t.deepEqual(counts.sort(), [1, 1, 1, 2], 'only the paused attempt counts: the others waited without one');
  });
}

test('rate_limit spaces an endpoint\'s attempts 1/rate_limit seconds apart; another endpoint is unaffected', async (t) => {
  t.timeout(30_000);
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const [limited, free] = [await newReceiver(), await newReceiver()];
  await registerEndpoint(api, key, { url: limited.url, event_types: ['tick.*'], rate_limit: 5 });
  await registerEndpoint(api, key, { url: free.url, event_types: ['tick.*'] });
  const started = Date.now();
  await Promise.all(Array.from({ length: 15 }, (_, n) => emit(api, key, 'tick.happened', { n })));
  await free.waitFor(15);
  const freeDone = Date.now() - started;
  await limited.waitFor(15, 15_000);
  const times = limited.received.map((r) => r.at);
  const span = Math.max(...times) - Math.min(...times);
  t.log(`15 attempts at rate_limit 5 took ${span} ms; the free endpoint's took ${freeDone} ms`);
  // Slots are 200 ms apart; a send started late (a busy machine) bunches with the next ones, so a
  // sliding second may hold one or two more than the rate. The span bounds the average.
  t.true(mostInWindow(times, 1_000) <= 7, `at most 5 (+2) in any second (got ${mostInWindow(times, 1_000)})`);
  t.true(span >= 2_400, `14 gaps of 200 ms (less a late first send): ${span} ms`);
  t.true(freeDone < span, 'the free endpoint did not wait for the limited one');
});
