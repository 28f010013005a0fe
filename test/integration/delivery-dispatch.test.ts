// The dispatcher's batches one at a time, with no dispatcher running on its own: a batch that
// fails leaves nothing behind, and a batch held open does not stop another process from
// dispatching other tenants' events.
import test from 'ava';
import type { Queue } from '../../src/queue/index.ts';
import { dispatchBatch } from '../../workers/dispatch.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { emit, LOOPBACK } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => {
  api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK });
});
test.after.always(async () => {
  await api?.close();
});

/** A queue whose enqueues run `before` first (to fail or hold a batch), then really enqueue. */
function queueThat(before: () => Promise<void>): Queue {
  const queue = api.services.queue;
  return new Proxy(queue, {
    get: (target, name) => (name === 'enqueueAttempts' ? async (...args: Parameters<Queue['enqueueAttempts']>) => {
      await before();
      return target.enqueueAttempts(...args);
    } : Reflect.get(target, name, target)),
  });
}

/** A tenant with two endpoints for every event, and `n` events in its outbox. */
async function tenantWithEvents(n: number) {
  const { tenant, key } = await tenantWithKey(api);
  for (const path of ['a', 'b']) {
    const res = await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: `http://127.0.0.1:9/${path}`, event_types: ['*'] } });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }
  const events = [];
  for (let i = 0; i < n; i++) events.push(await emit(api, key, 'stock.counted', { i }));
  return { tenant, events };
}

async function state(tenantId: string) {
  const { owner } = api.db;
  const count = async (sql: string) => (await owner.query(sql, [tenantId])).rows[0].n;
  return {
    outbox: await count('select count(*)::int as n from outbox where tenant_id = $1'),
    deliveries: await count('select count(*)::int as n from deliveries where tenant_id = $1'),
    jobs: await count(`select count(*)::int as n from pgboss.job where name = 'deliver' and data->>'tenant_id' = $1::text`),
  };
}

const services = (queue: Queue = api.services.queue) => ({ ...api.services, queue });

test.serial('a batch that fails after writing leaves its events in the outbox and nothing else; the next batch delivers each once', async (t) => {
  const { tenant } = await tenantWithEvents(3);
  const failing = queueThat(async () => {
    throw new Error('the database went away');
  });
  await t.throwsAsync(dispatchBatch(services(failing)), { message: 'the database went away' });
  t.deepEqual(await state(tenant.id), { outbox: 3, deliveries: 0, jobs: 0 }, 'rolled back whole');

  t.deepEqual(await dispatchBatch(services()), { events: 3, deliveries: 6 });
  t.deepEqual(await state(tenant.id), { outbox: 0, deliveries: 6, jobs: 6 });
  const perPair = await api.db.owner.query(
    'select count(*)::int as n from deliveries where tenant_id = $1 group by event_id, endpoint_id having count(*) > 1', [tenant.id]);
  t.is(perPair.rowCount, 0, 'one delivery per event and endpoint');
  t.deepEqual(await dispatchBatch(services()), { events: 0, deliveries: 0 }, 'the outbox is empty');
});

test.serial('a batch held open by one dispatcher holds only the events it claimed: another dispatcher dispatches what arrives meanwhile', async (t) => {
  const slow = await tenantWithEvents(2);
  let release!: () => void;
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const stalling = queueThat(async () => {
    holding();
    await new Promise<void>((resolve) => (release = resolve));
  });
  // The first dispatcher claims everything in the outbox (the slow tenant's events) and stalls.
  const first = dispatchBatch(services(stalling));
  await held;
  const other = await tenantWithEvents(2);
  t.deepEqual(await dispatchBatch(services()), { events: 2, deliveries: 4 }, 'the second dispatcher skips the claimed rows');
  t.deepEqual(await state(other.tenant.id), { outbox: 0, deliveries: 4, jobs: 4 });
  t.deepEqual(await dispatchBatch(services()), { events: 0, deliveries: 0 }, 'nothing else is free');

  release();
  t.deepEqual(await first, { events: 2, deliveries: 4 });
  t.deepEqual(await state(slow.tenant.id), { outbox: 0, deliveries: 4, jobs: 4 });
});

test.serial('one batch claims several tenants\' and both modes\' events, each fanned out under its own scope', async (t) => {
  const a = await tenantWithEvents(2);
  const b = await tenantWithEvents(3);
  const testKey = (await a.tenant.key({ mode: 'test' })).key;
  const res = await api.request('POST', '/v1/webhook-endpoints', { token: testKey, body: { url: 'http://127.0.0.1:9/t', event_types: ['*'] } });
  t.is(res.status, 201);
  await emit(api, testKey, 'stock.counted', { mode: 'test' });
  t.deepEqual(await dispatchBatch(services()), { events: 6, deliveries: 11 });
  const rows = await api.db.owner.query(
    `select d.tenant_id, d.mode, e.tenant_id as event_tenant, e.mode as event_mode, ep.tenant_id as endpoint_tenant, ep.mode as endpoint_mode
       from deliveries d join events e on e.id = d.event_id join webhook_endpoints ep on ep.id = d.endpoint_id
      where d.tenant_id = any($1::uuid[])`, [[a.tenant.id, b.tenant.id]]);
  t.is(rows.rowCount, 11);
  for (const r of rows.rows) t.like(r, { event_tenant: r.tenant_id, endpoint_tenant: r.tenant_id, event_mode: r.mode, endpoint_mode: r.mode });
  t.deepEqual(await state(a.tenant.id), { outbox: 0, deliveries: 5, jobs: 5 });
});
