// Ordering and rate limits hold across real `herald worker` processes: two of them delivering
// one endpoint's keys while one is SIGKILLed mid-attempt, and two sharing one rate limit.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { LOOPBACK, registerEndpoint } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { herald, heraldEnvOf, type HeraldProcess } from '../helpers/process.ts';
import { receiverPool, type Reply } from '../helpers/receiver.ts';

const RETRIES = '100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms';
let api: TestApi;
const receivers = receiverPool();
const workers: HeraldProcess[] = [];
test.before(async () => {
  api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK, HERALD_RETRY_SCHEDULE: RETRIES });
});
test.after.always(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await receivers.closeAll();
  await api?.close();
});

function worker(): HeraldProcess {
  const w = herald(['worker'], heraldEnvOf(api, { HERALD_RETRY_SCHEDULE: RETRIES }));
  workers.push(w);
  return w;
}

async function stopAll(): Promise<void> {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode !== null || w.child.signalCode !== null) continue;
    w.child.kill('SIGTERM');
    await w.exited;
  }
}

async function emitKeyed(key: string, orderingKey: string, n: number) {
  const res = await api.request('POST', '/v1/events', { token: key, body: { type: 'ledger.entry', data: { key: orderingKey, n }, ordering_key: orderingKey } });
  if (res.status !== 201) throw new Error(`emit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

test.serial('ordering "key" across two worker processes, one SIGKILLed mid-attempt: every key in commit order, one at a time', async (t) => {
  t.timeout(90_000);
  const { key } = await tenantWithKey(api);
  const r = await receivers.start();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The first request is held while its worker is killed; then 10 % of answers fail, at random.
  const replies: Reply[] = [{ hold: held }];
  for (let i = 0; i < 400; i++) replies.push(Math.random() < 0.1 ? { status: 500 } : { delayMs: Math.floor(Math.random() * 10) });
  r.script(...replies);
  await registerEndpoint(api, key, { url: r.url, event_types: ['ledger.*'], ordering: 'key' });

  const first = worker();
  await first.waitFor(/worker health and metrics/);
  await emitKeyed(key, 'k0', 0);
  await r.waitFor(1);
  const [second, third] = [worker(), worker()];
  await Promise.all([second.waitFor(/worker health and metrics/), third.waitFor(/worker health and metrics/)]);
  first.child.kill('SIGKILL');
  t.is(await first.exited, 'SIGKILL');
  release();

  // 8 keys × 8 events, each key's in commit order (one request after the other), keys interleaved.
  const KEYS = 8;
  const PER_KEY = 8;
  await Promise.all(Array.from({ length: KEYS }, async (_, k) => {
    for (let n = k === 0 ? 1 : 0; n < PER_KEY; n++) await emitKeyed(key, `k${k}`, n);
  }));

  const deadline = Date.now() + 60_000;
  const delivered = () => {
    const seen = new Set<string>();
    r.received.forEach((x, i) => {
      const reply = replies[i];
      if (i > 0 && reply && reply.status === undefined) seen.add(`${JSON.parse(x.body).data.key}/${JSON.parse(x.body).data.n}`);
    });
    return seen.size;
  };
  while (delivered() < KEYS * PER_KEY && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(delivered(), KEYS * PER_KEY, 'every event delivered');

  for (let k = 0; k < KEYS; k++) {
    const sequence = r.received.filter((x) => JSON.parse(x.body).data.key === `k${k}`).map((x) => JSON.parse(x.body).data.n as number);
    // Retries repeat an event; a later event never comes before an earlier one's last attempt.
    const sorted = [...sequence].sort((a, b) => a - b);
    t.deepEqual(sequence, sorted, `key k${k} in commit order: ${sequence}`);
  }
  // The killed attempt was made again (same webhook-id) before k0's next event.
  const k0 = r.received.filter((x) => JSON.parse(x.body).data.key === 'k0');
  t.is(k0[0].headers['webhook-id'], k0[1].headers['webhook-id']);
  t.is(k0[1].headers['herald-attempt'], '1', 'the killed attempt was never recorded, so it is made again');
  await stopAll();
});

test.serial('rate_limit holds for two worker processes together', async (t) => {
  t.timeout(60_000);
  const { key } = await tenantWithKey(api);
  const r = await receivers.start();
  const endpoint = await registerEndpoint(api, key, { url: r.url, event_types: ['tick.*'], rate_limit: 10 });
  const [a, b] = [worker(), worker()];
  await Promise.all([a.waitFor(/worker health and metrics/), b.waitFor(/worker health and metrics/)]);
  await Promise.all(Array.from({ length: 40 }, (_, n) => api.request('POST', '/v1/events', { token: key, body: { type: 'tick.happened', data: { n } } })));
  await r.waitFor(40, 20_000);
  const times = r.received.map((x) => x.at).sort((x, y) => x - y);
  const span = times.at(-1)! - times[0];
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1_000) j++;
    most = Math.max(most, i - j + 1);
  }
  t.log(`40 attempts at rate_limit 10 over ${span} ms; at most ${most} in a second`);
  // Slots are 100 ms apart; a send its process started late (a busy machine) bunches with the
  // next ones, so a sliding second may hold a few more than the rate. The span bounds the average.
  t.true(most <= 13, `at most 10 (+3) in any second across both processes: ${most}`);
  t.true(span >= 3_600, `39 gaps of 100 ms: ${span} ms`);
  await stopAll();
  // Both processes took part.
  const attemptsBy = (w: HeraldProcess) => w.output().split('\n').filter((l) => l.includes('delivery.attempted') && l.includes(endpoint.id)).length;
  t.log(`attempts by process: ${attemptsBy(a)}, ${attemptsBy(b)}`);
  t.true(attemptsBy(a) > 0 && attemptsBy(b) > 0, 'both processes delivered');
});
