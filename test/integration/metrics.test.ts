// /metrics on the two real processes: `herald api` and `herald worker`, sharing one database.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { LOOPBACK, registerEndpoint } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { herald, heraldEnvOf, type HeraldProcess } from '../helpers/process.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

let api: TestApi;
let receiver: Receiver;
const processes: HeraldProcess[] = [];
test.before(async () => {
  api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK });
  receiver = await startReceiver();
});
test.after.always(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await receiver?.close();
  await api?.close();
});

/** Starts a herald process on this test's database; resolves with its port once it listens (and the metrics port, given one). */
async function start(role: 'api' | 'worker', env: Record<string, string> = {}): Promise<string> {
  const p = herald([role], { ...heraldEnvOf(api), ...env });
  processes.push(p);
  const listening = role === 'api' ? /API listening on http:\/\/localhost:(\d+)/ : /worker health and metrics on http:\/\/localhost:(\d+)/;
  await p.waitFor(listening);
  if (env.HERALD_METRICS_PORT) await p.waitFor(METRICS_LINE);
  return `http://127.0.0.1:${listening.exec(p.output())![1]}`;
}

const METRICS_LINE = /metrics on http:\/\/localhost:(\d+)\/metrics/;

async function scrape(base: string) {
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, samples: parsePrometheus(text) };
}

test('/metrics on the worker port and HERALD_METRICS_PORT parses as Prometheus text and moves when deliveries happen; the public API port has none', async (t) => {
  t.timeout(45_000);
  const { tenant, key } = await tenantWithKey(api);
  await registerEndpoint(api, key, { url: receiver.url, event_types: ['*'] });
  const apiUrl = await start('api', { HERALD_METRICS_PORT: '0' });
  const metricsUrl = `http://127.0.0.1:${METRICS_LINE.exec(processes.at(-1)!.output())![1]}`;
  const onPublicPort = await fetch(`${apiUrl}/metrics`);
  t.is(onPublicPort.status, 404, 'not on the public API port');
  t.is((await fetch(`${metricsUrl}/v1/events`)).status, 404, 'the metrics port serves nothing else');

  // Events committed while no worker runs wait in the outbox, and the API's gauges say so.
  const events = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${apiUrl}/v1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'meter.read', data: { i } }),
    });
    t.is(res.status, 201);
    events.push(await res.json());
  }
  t.is((await fetch(`${apiUrl}/v1/events/${events[0].id}`, { method: 'PUT' })).status, 405);
  const waiting = await scrape(metricsUrl);
  t.is(waiting.status, 200);
  t.regex(waiting.type ?? '', /^text\/plain; version=0\.0\.4/);
  t.is(sampleValue(waiting.samples, 'herald_queue_depth', { stage: 'outbox' }), 3);
  t.true(sampleValue(waiting.samples, 'herald_oldest_pending_seconds', { stage: 'outbox' }) > 0);
  t.is(sampleValue(waiting.samples, 'herald_http_requests_total', { route: '/v1/events', method: 'POST', status: '201' }), 3);
  t.is(sampleValue(waiting.samples, 'herald_http_requests_total', { route: 'unmatched', status: '405' }), 1, 'a raw path is never a label');
  t.false(waiting.text.includes(events[0].id));
  t.false(waiting.text.includes(tenant.id), 'no tenant ids in labels');
  t.true(sampleValue(waiting.samples, 'herald_process_cpu_seconds_total') > 0, 'Node process metrics carry the herald_ prefix once');
  t.true(waiting.samples.some((s) => s.name.startsWith('herald_nodejs_')));
  t.false(waiting.samples.some((s) => /^herald_(process|nodejs)_(process|nodejs)_/.test(s.name)), 'no doubled prefix');

  const workerUrl = await start('worker');
  for (const path of ['/healthz', '/readyz']) t.is((await fetch(workerUrl + path)).status, 200, path);
  await receiver.waitFor(3, 15_000);
  // The attempt is counted right after it is recorded: poll the scrape, briefly.
  let worker = await scrape(workerUrl);
  for (let deadline = Date.now() + 5_000; sampleValue(worker.samples, 'herald_deliveries_total', { outcome: 'delivered' }) < 3 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 25));
    worker = await scrape(workerUrl);
  }
  t.is(sampleValue(worker.samples, 'herald_deliveries_total', { outcome: 'delivered' }), 3);
  t.is(sampleValue(worker.samples, 'herald_attempt_duration_seconds_count', { outcome: 'delivered' }), 3);
  t.is(sampleValue(worker.samples, 'herald_attempt_duration_seconds_bucket', { outcome: 'delivered', le: '+Inf' }), 3);
  t.is(sampleValue(worker.samples, 'herald_events_dispatched_total'), 3);
  t.is(sampleValue(worker.samples, 'herald_dispatch_lag_seconds_count'), 3);
  t.true(sampleValue(worker.samples, 'herald_dispatch_lag_seconds_sum') > 0, 'the events waited for the worker');
  t.is(sampleValue(worker.samples, 'herald_queue_depth', { stage: 'deliver' }), 0);
  t.false(worker.text.includes(tenant.id));

  const drained = await scrape(metricsUrl);
  t.is(sampleValue(drained.samples, 'herald_queue_depth', { stage: 'outbox' }), 0, 'the API sees the outbox drain');
  t.is(sampleValue(drained.samples, 'herald_oldest_pending_seconds', { stage: 'outbox' }), 0);
});
