// The dispatcher's batches one at a time, with no dispatcher running on its own: a batch that
// fails leaves nothing behind, and a batch held open does not stop another process from
// dispatching other tenants' events.
import test from 'ava';
import type { PgBoss } from 'pg-boss';
import { createBoss } from '../../src/delivery/queues.ts';
import { dispatchBatch } from '../../workers/dispatch.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { emit, LOOPBACK } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
let boss: PgBoss;
test.before(async () => {
  api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK });
  boss = createBoss(api.db.url, 'producer', api.deps.logger);
  await boss.start();
});
test.after.always(async () => {
  await boss?.stop({ graceful: false, timeout: 1_000 });
  await api?.close();
});

/** A boss whose job inserts run `before` first (to fail or hold a batch), then really insert. */
function bossThat(before: () => Promise<void>): PgBoss {
  return new Proxy(boss, {
    get: (target, name) => (name === 'insert' ? async (...args: any[]) => {
      await before();
      return (target.insert as any)(...args);
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

const deps = (b: PgBoss) => ({ pool: api.db.app, boss: b, logger: api.deps.logger });

test.serial('a batch that fails after writing leaves its events in the outbox and nothing else; the next batch delivers each once', async (t) => {
  const { tenant } = await tenantWithEvents(3);
  const failing = bossThat(async () => {
    throw new Error('the database went away');
  });
  await t.throwsAsync(dispatchBatch(deps(failing)), { message: 'the database went away' });
  t.deepEqual(await state(tenant.id), { outbox: 3, deliveries: 0, jobs: 0 }, 'rolled back whole');

  t.deepEqual(await dispatchBatch(deps(boss)), { events: 3, deliveries: 6 });
  t.deepEqual(await state(tenant.id), { outbox: 0, deliveries: 6, jobs: 6 });
  const perPair = await api.db.owner.query(
    'select count(*)::int as n from deliveries where tenant_id = $1 group by event_id, endpoint_id having count(*) > 1', [tenant.id]);
  t.is(perPair.rowCount, 0, 'one delivery per event and endpoint');
  t.deepEqual(await dispatchBatch(deps(boss)), { events: 0, deliveries: 0 }, 'the outbox is empty');
});

test.serial('a batch held open by one dispatcher does not stop another from dispatching the other tenants', async (t) => {
  const slow = await tenantWithEvents(2);
  const other = await tenantWithEvents(2);
  let release!: () => void;
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const holdingBoss = bossThat(async () => {
    holding();
    await new Promise<void>((resolve) => (release = resolve));
  });
  // The oldest outbox rows are the slow tenant's: the first dispatcher takes them and stalls.
  const first = dispatchBatch(deps(holdingBoss));
  await held;
  t.deepEqual(await dispatchBatch(deps(boss)), { events: 2, deliveries: 4 }, 'the second dispatcher skips the locked rows');
  t.deepEqual(await state(other.tenant.id), { outbox: 0, deliveries: 4, jobs: 4 });
  t.deepEqual(await dispatchBatch(deps(boss)), { events: 0, deliveries: 0 }, 'nothing else is free');

  release();
  t.deepEqual(await first, { events: 2, deliveries: 4 });
  t.deepEqual(await state(slow.tenant.id), { outbox: 0, deliveries: 4, jobs: 4 });
});
