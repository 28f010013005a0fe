import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { deliveriesOf, emit, noteJobInserts, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';

/** HERALD_ENDPOINT_CONCURRENCY in this file's worker, which has SLOTS attempts in flight at most. */
const LIMIT = 2;
const SLOTS = 4;
/** More events than the worker has slots: first come, first served would give the slow endpoint all of them. */
const BURST = 6;

const { stack, newReceiver: receiver } = useDeliveryStack(test, { worker: { HERALD_ENDPOINT_CONCURRENCY: String(LIMIT) }, concurrency: SLOTS });

/**
 * The most attempts whose [started_at, started_at + duration_ms) intervals overlap at one instant.
 * Both are whole milliseconds (a start truncated, a duration rounded), so an attempt that starts the
 * instant another ends may seem to overlap it by a millisecond: intervals are taken 1 ms shorter.
 */
function mostAtOnce(attempts: Array<{ started_at: string; duration_ms: number }>): number {
  const edges = attempts.flatMap((a) => {
    const start = Date.parse(a.started_at);
    return [{ at: start, step: 1 }, { at: start + Math.max(0, a.duration_ms - 1), step: -1 }];
  });
  // An attempt that ends at the instant another starts does not overlap it.
  edges.sort((x, y) => x.at - y.at || x.step - y.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.step));
  return most;
}

test('a burst to one tenant\'s slow endpoint keeps at most HERALD_ENDPOINT_CONCURRENCY attempts in flight, and another tenant\'s event is delivered meanwhile', async (t) => {
  const { api } = stack();
  const acme = await tenantWithKey(api);
  const globex = await tenantWithKey(api);
  const [slow, prompt] = await Promise.all([receiver(), receiver()]);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  slow.script(...Array.from({ length: BURST }, () => ({ hold: held })));
  await registerEndpoint(api, acme.key, { url: slow.url, event_types: ['shipment.*'] });
  await registerEndpoint(api, globex.key, { url: prompt.url, event_types: ['shipment.*'] });

  const burst = await Promise.all(Array.from({ length: BURST }, (_, n) => emit(api, acme.key, 'shipment.created', { n })));
  await slow.waitFor(LIMIT);
  const globexEvent = await emit(api, globex.key, 'shipment.created');
  const [globexDelivery] = await deliveriesOf(api, globex.key, globexEvent.id);
  // Every slot would be Acme's under first come, first served: its attempts are older than Globex's.
  await waitForDelivery(api, globex.key, globexDelivery.id, (d) => d.status === 'delivered', 5_000);
  t.is(prompt.received.length, 1);
  t.is(slow.received.length, LIMIT, 'the rest of the burst waits for the slow endpoint rather than taking the free slots');

  release();
  const attempts = [];
  for (const event of burst) {
    const [delivery] = await deliveriesOf(api, acme.key, event.id);
    attempts.push(...(await waitForDelivery(api, acme.key, delivery.id, (d) => d.status === 'delivered')).attempts);
  }
  t.is(attempts.length, BURST);
  t.is(mostAtOnce(attempts), LIMIT);
});

test('every attempt\'s job joins its endpoint\'s group: first attempts, scheduled and manual retries, test events and replays', async (t) => {
  const { api } = stack();
  await noteJobInserts(api);
  const { tenant, key } = await tenantWithKey(api);
  const r = await receiver();
  r.script({ status: 500 });
  const endpoint = await registerEndpoint(api, key, { url: r.url, event_types: ['shipment.*'] });
  const since = new Date(Date.now() - 60_000).toISOString();
  const event = await emit(api, key, 'shipment.created');
  const [delivery] = await deliveriesOf(api, key, event.id);
  await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered' && d.attempts.length === 2);
  t.is((await api.request('POST', `/v1/deliveries/${delivery.id}/retry`, { token: key })).status, 202);
  t.is((await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/test`, { token: key })).status, 202);
  t.is((await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token: key, body: { since } })).status, 202);
  await r.waitFor(5);

  const jobs = await api.db.owner.query(
    `select j.group_id, d.endpoint_id from jobs_seen j join deliveries d on d.id = j.data->>'delivery_id'
      where d.tenant_id = $1::uuid`,
    [tenant.id],
  );
  t.is(jobs.rowCount, 5);
  for (const job of jobs.rows) t.is(job.group_id, job.endpoint_id);
});

test('HERALD_ENDPOINT_CONCURRENCY defaults to 4 and must be a whole number from 1 to 100', (t) => {
  const env = { HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), 'herald-config-')) };
  t.is(loadConfig(env).endpointConcurrency, 4);
  t.is(loadConfig({ ...env, HERALD_ENDPOINT_CONCURRENCY: '1' }).endpointConcurrency, 1);
  for (const bad of ['0', '101', '2.5', 'many', '-1']) {
    const error = t.throws(() => loadConfig({ ...env, HERALD_ENDPOINT_CONCURRENCY: bad }), { instanceOf: ConfigError });
    t.deepEqual(error?.problems, ['HERALD_ENDPOINT_CONCURRENCY: expected a whole number from 1 to 100'], bad);
  }
});
