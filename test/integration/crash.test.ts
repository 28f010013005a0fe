// Real `herald worker` processes: killed mid-delivery, or stopped with SIGTERM mid-delivery.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { deliveriesOf, emit, LOOPBACK, registerEndpoint, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { herald, heraldEnvOf } from '../helpers/process.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

let api: TestApi;
let receiver: Receiver;
test.before(async () => {
  api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK });
  receiver = await startReceiver();
});
test.after.always(async () => {
  await receiver?.close();
  await api?.close();
});

const worker = () => herald(['worker'], heraldEnvOf(api));

/** Resolves when `release()` is called: a receiver reply held mid-delivery. */
function latch() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  return { held, release };
}

test.serial('a worker SIGKILLed mid-delivery loses nothing: after a restart the delivery completes, same webhook-id', async (t) => {
  t.timeout(60_000);
  const { key } = await tenantWithKey(api);
  await registerEndpoint(api, key, { url: `${receiver.url}/crash`, event_types: ['*'] });
  const hold = latch();
  receiver.script({ hold: hold.held }, { status: 200 });
  const before = receiver.received.length;

  const first = worker();
  await first.waitFor(/worker health and metrics/);
  const event = await emit(api, key, 'payment.settled', { amount: 100 });
  const [inFlight] = await receiver.waitFor(before + 1, 15_000).then((r) => r.slice(before));
  t.is(inFlight.headers['webhook-id'], event.id);
  first.child.kill('SIGKILL');
  const killedAt = Date.now();
  t.is(await first.exited, 'SIGKILL');
  hold.release();

  const [delivery] = await deliveriesOf(api, key, event.id);
  t.like(delivery, { status: 'pending', attempt_count: 0 }, 'the killed attempt never completed');

  const restarted = worker();
  const done = await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered', 45_000);
  // The job's heartbeat (every 5 s) goes stale 10 s after the last one, and the restarted worker
  // puts it back at once: about 10 s after the kill here, not after the job's 180 s expiry.
  const after = Date.now() - killedAt;
  t.log(`redelivered ${after} ms after the kill`);
  t.true(after < 14_000, `redelivered ${after} ms after the kill`);
  const redelivery = receiver.received[before + 1];
  t.is(redelivery.headers['webhook-id'], event.id, 'the same webhook-id, so the receiver can deduplicate');
  t.is(redelivery.body, inFlight.body);
  t.is(redelivery.headers['herald-attempt'], '1', 'attempt 1 was never recorded, so it is made again');
  t.is(done.attempt_count, 1);
  t.deepEqual(done.attempts.map((a: any) => a.status_code), [200]);

  restarted.child.kill('SIGTERM');
  t.is(await restarted.exited, 0, restarted.output());
});

test.serial('SIGTERM lets the attempt in flight finish and record, then exits 0', async (t) => {
  t.timeout(30_000);
  const { key } = await tenantWithKey(api);
  await registerEndpoint(api, key, { url: `${receiver.url}/term`, event_types: ['*'] });
  const hold = latch();
  receiver.script({ hold: hold.held, status: 202 });
  const before = receiver.received.length;

  const p = worker();
  await p.waitFor(/worker health and metrics/);
  const event = await emit(api, key, 'payment.settled', { amount: 5 });
  await receiver.waitFor(before + 1, 15_000);
  p.child.kill('SIGTERM');
  await p.waitFor(/shutting down/);
  setTimeout(hold.release, 300);
  t.is(await p.exited, 0, p.output());

  const [delivery] = await deliveriesOf(api, key, event.id);
  const got = await api.request('GET', `/v1/deliveries/${delivery.id}`, { token: key });
  t.like(got.body, { status: 'delivered', attempt_count: 1 });
  t.is(got.body.attempts[0].status_code, 202);
  t.regex(p.output(), /"msg":"delivery.attempted"/);
  t.regex(p.output(), /"msg":"stopped"/);
});
