// The sweeper puts back on the queue the attempts of deliveries whose job was lost, e.g. when the
// database stayed down through all of pg-boss's retries of the job.
import test from 'ava';
import { jobId } from '../../src/queue/index.ts';
import { releaseStalledFlows } from '../../src/services/flows.ts';
import { reclaimStalled, sweepOverdue } from '../../workers/sweep.ts';
import { deliveriesOf, emit, noteJobInserts, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';


const { stack, newReceiver } = useDeliveryStack(test);

const sweeperDeps = () => stack().worker;

/** A delivery of a fresh tenant whose second attempt waits an hour (its receiver said Retry-After), its endpoint not paused. */
async function waitingDelivery() {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const receiver = await newReceiver();
  receiver.script({ status: 503, headers: { 'retry-after': '3600' } });
  await registerEndpoint(api, key, { url: receiver.url, event_types: ['*'] });
  const event = await emit(api, key, 'invoice.sent');
  const [delivery] = await deliveriesOf(api, key, event.id);
  await waitForDelivery(api, key, delivery.id, (d) => d.status === 'retrying');
  // Only the attempt waits: the endpoint's pause (the same Retry-After) is lifted.
  await api.db.owner.query('update webhook_endpoints set paused_until = null where id = $1', [delivery.endpoint_id]);
  return { key, receiver, event, delivery, job: jobId(delivery.id, 2) };
}

/** Its attempt was due `minutes` ago (as if the hour had passed). */
async function dueMinutesAgo(deliveryId: string, minutes: number) {
  await stack().api.db.owner.query(`update deliveries set next_attempt_at = now() - make_interval(secs => $2) where id = $1`, [deliveryId, minutes * 60]);
}

/** The jobs a delivery has now (a recorded attempt's job is deleted). */
const liveJobsOf = async (deliveryId: string) => (await stack().api.db.owner.query(
  `select data->>'attempt' as attempt, state from pgboss.job where name = 'deliver' and data->>'delivery_id' = $1 order by 1`, [deliveryId])).rows;

/** Each attempt's job ids over time, as noted when inserted: one id per attempt however often it was redone. */
let noting: ReturnType<typeof noteJobInserts> | undefined;
const noteJobs = () => (noting ??= noteJobInserts(stack().api));
const jobIdsPerAttempt = async (deliveryId: string) => {
  const ids = new Map<string, Set<string>>();
  for (const j of await (await noteJobs())(deliveryId)) ids.set(j.attempt, (ids.get(j.attempt) ?? new Set()).add(j.id));
  return [...ids].map(([attempt, set]) => [attempt, set.size]);
};

test('overdue attempts whose job failed or vanished are queued again, once, and delivered with the same webhook-id', async (t) => {
  await noteJobs();
  const failed = await waitingDelivery();
  const vanished = await waitingDelivery();
  const live = await waitingDelivery();
  for (const d of [failed, vanished, live]) await dueMinutesAgo(d.delivery.id, 10);
  // pg-boss gave up on one job (the database was down through its retries); the other job is gone.
  // The third still has its job (it has not run yet, e.g. in a backlog): not the sweeper's business.
  const { owner } = stack().api.db;
  await owner.query(`update pgboss.job set state = 'failed', completed_on = now() where name = 'deliver' and id = $1`, [failed.job]);
  await owner.query(`delete from pgboss.job where name = 'deliver' and id = $1`, [vanished.job]);

  // Two sweepers at once (two worker processes) still queue each attempt once.
  const counts = await Promise.all([sweepOverdue(sweeperDeps()), sweepOverdue(sweeperDeps())]);
  t.is(counts[0] + counts[1], 2, `requeued ${counts}`);
  t.is(await sweepOverdue(sweeperDeps()), 0, 'nothing is left to sweep');

  for (const d of [failed, vanished]) {
    const done = await waitForDelivery(stack().api, d.key, d.delivery.id, (x) => x.status === 'delivered');
    t.deepEqual(done.attempts.map((a: any) => a.status_code), [503, 200]);
    t.deepEqual(d.receiver.received.map((r) => [r.headers['webhook-id'], r.headers['herald-attempt']]), [[d.event.id, '1'], [d.event.id, '2']]);
    t.deepEqual(await jobIdsPerAttempt(d.delivery.id), [['1', 1], ['2', 1]], 'one job per attempt');
  }
  t.like((await stack().api.request('GET', `/v1/deliveries/${live.delivery.id}`, { token: live.key })).body, { status: 'retrying', attempt_count: 1 });
  t.is(live.receiver.received.length, 1);
});

test('an attempt due only a little while ago is left to its job', async (t) => {
  const recent = await waitingDelivery();
  await dueMinutesAgo(recent.delivery.id, 0.5);
  await stack().api.db.owner.query(`update pgboss.job set state = 'failed', completed_on = now() where name = 'deliver' and id = $1`, [recent.job]);
  t.is(await sweepOverdue(sweeperDeps()), 0);
  t.is(await sweepOverdue(sweeperDeps(), 10_000), 1, 'with a shorter grace it is overdue');
  await waitForDelivery(stack().api, recent.key, recent.delivery.id, (x) => x.status === 'delivered');
});

test('a running attempt whose worker stopped heartbeating is queued again at once, and one still heartbeating is left alone', async (t) => {
  await noteJobs();
  const [killed, alive] = [await waitingDelivery(), await waitingDelivery()];
  // Both second attempts were taken by a worker; one worker died 30 s ago (its heartbeat is stale), the other is busy.
  const { owner } = stack().api.db;
  const taken = `update pgboss.job set state = 'active', started_on = now() - make_interval(secs => $2), heartbeat_on = now() - make_interval(secs => $2)
    where name = 'deliver' and id = $1`;
  await owner.query(taken, [killed.job, 30]);
  await owner.query(taken, [alive.job, 2]);

  const reclaimed = await Promise.all([reclaimStalled(sweeperDeps()), reclaimStalled(sweeperDeps())]);
  t.deepEqual(reclaimed.sort(), [0, 1], 'two sweepers at once reclaim it once');
  const done = await waitForDelivery(stack().api, killed.key, killed.delivery.id, (x) => x.status === 'delivered', 5_000);
  t.deepEqual(done.attempts.map((a: any) => [a.number, a.status_code]), [[1, 503], [2, 200]]);
  t.is(killed.receiver.received.at(-1)!.headers['webhook-id'], killed.event.id);
  t.deepEqual(await jobIdsPerAttempt(killed.delivery.id), [['1', 1], ['2', 1]], 'the same job, redone');

  t.deepEqual((await liveJobsOf(alive.delivery.id)).map((j) => [j.attempt, j.state]), [['2', 'active']], 'a heartbeating attempt keeps running');
  t.is(alive.receiver.received.length, 1);
});

test('an unordered flow a race left with a parked delivery and room is released by the sweeper', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const receiver = await newReceiver();
  await registerEndpoint(api, key, { url: receiver.url, event_types: ['*'] });
  const event = await emit(api, key, 'invoice.sent');
  const [delivery] = await deliveriesOf(api, key, event.id);
  await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered');
  // What the race leaves: a delivery parked behind one that ended without releasing it.
  await stack().api.db.owner.query(`update deliveries set status = 'pending', parked = true, next_attempt_at = null where id = $1`, [delivery.id]);
  t.is(await releaseStalledFlows(sweeperDeps()), 1);
  t.is(await releaseStalledFlows(sweeperDeps()), 0, 'released once');
  const done = await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered' && d.attempt_count === 2);
  t.is(done.attempts.length, 2);
  t.is(receiver.received.length, 2);
});
