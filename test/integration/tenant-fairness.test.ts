// Fairness between tenants: one tenant's backlog to a slow endpoint, and another's many slow
// endpoints, do not delay a third tenant's deliveries. The worker here is small (16 slots, 4 per
// tenant, 2 per endpoint) so that, without the tenant limit, the slow tenants would take it all.
import test from 'ava';
import { emit, registerEndpoint, useDeliveryStack } from '../helpers/delivery.ts';
import { flowCapacity } from '../../src/services/flows.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import type { Receiver } from '../helpers/receiver.ts';

const WORKER = { HERALD_ENDPOINT_CONCURRENCY: '2', HERALD_TENANT_CONCURRENCY: '4' };
const { stack, newReceiver } = useDeliveryStack(test, { worker: WORKER, concurrency: 16 });

/** A receiver that answers every request after `delayMs`. */
async function slowReceiver(delayMs: number, requests: number): Promise<Receiver> {
  const r = await newReceiver();
  r.script(...Array.from({ length: requests }, () => ({ delayMs })));
  return r;
}

/**
 * The most requests these receivers held open at once, from each request's arrival to its answer
 * (measured, not arrival + delay: a loaded event loop fires a timer early by its stale loop time).
 */
function mostAtOnce(receivers: Receiver[]): number {
  const edges = receivers.flatMap((r) => r.received.flatMap((x) => [{ at: x.at, step: 1 }, { at: x.answeredAt ?? Infinity, step: -1 }]));
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (now += e.step));
  return most;
}

async function inBatches<T>(count: number, size: number, make: (n: number) => Promise<T>): Promise<void> {
  for (let n = 0; n < count; n += size) await Promise.all(Array.from({ length: Math.min(size, count - n) }, (_, i) => make(n + i)));
}

test('a backlog to one slow endpoint and many slow endpoints of another tenant do not delay a third tenant (each of its events within 1 s)', async (t) => {
  t.timeout(60_000);
  const { api } = stack();
  const [backlogged, spread, third] = [await tenantWithKey(api), await tenantWithKey(api), await tenantWithKey(api)];

  // Tenant A: 300 events queued to one endpoint answering in 200 ms.
  const slow = await slowReceiver(200, 300);
  const aEndpoint = await registerEndpoint(api, backlogged.key, { url: slow.url, event_types: ['*'] });
  await inBatches(300, 25, (n) => emit(api, backlogged.key, 'import.row', { n }));
  // Tenant X: 8 endpoints (16 slots' worth) answering in 500 ms, 20 events each.
  const spreadReceivers = await Promise.all(Array.from({ length: 8 }, () => slowReceiver(500, 20)));
  for (const r of spreadReceivers) await registerEndpoint(api, spread.key, { url: r.url, event_types: ['*'] });
  await inBatches(20, 10, (n) => emit(api, spread.key, 'sync.item', { n }));
  await slow.waitFor(4);
  await spreadReceivers[7].waitFor(2);

  // Tenant C: 20 events at 20 a second to a prompt endpoint, while both are busy.
  const prompt = await newReceiver();
  await registerEndpoint(api, third.key, { url: prompt.url, event_types: ['*'] });
  const created: number[] = [];
  for (let n = 0; n < 20; n++) {
    const event = await emit(api, third.key, 'note.added', { n });
    created[n] = Date.parse(event.created_at);
    await new Promise((r) => setTimeout(r, 50));
  }
  await prompt.waitFor(20, 10_000);
  const latencies = prompt.received.map((r) => r.at - created[JSON.parse(r.body).data.n]);
  t.log(`third tenant, commit to receipt: max ${Math.max(...latencies)} ms, median ${latencies.sort((a, b) => a - b)[10]} ms`);
  t.true(Math.max(...latencies) <= 1_000, `every event of the third tenant within 1 s: ${latencies}`);
  t.true(slow.received.length < 300 && spreadReceivers.some((r) => r.received.length < 20), 'both others still had work');

  // The slow tenants kept to their limits: 2 at once per endpoint, 4 at once per tenant.
  t.true(mostAtOnce([slow]) <= 2, `endpoint at most 2 at once (${mostAtOnce([slow])})`);
  t.true(mostAtOnce(spreadReceivers) <= 4, `tenant at most 4 at once (${mostAtOnce(spreadReceivers)})`);
  // Tenant A's backlog is parked in its flow, not in the job queue: at most its window has a job.
  const { rows } = await api.db.owner.query(
    `select count(*) filter (where parked)::int as parked,
            (select count(*) from pgboss.job j where j.group_id = $1)::int as jobs
       from deliveries where endpoint_id = $1`, [aEndpoint.id]);
  const window = flowCapacity(stack().workerConfig, 'none');
  t.log(`tenant A: ${rows[0].jobs} jobs, ${rows[0].parked} deliveries parked (window ${window})`);
  t.true(rows[0].jobs <= window, `jobs of the backlogged endpoint: ${rows[0].jobs} (window ${window})`);
  t.true(rows[0].parked >= 300 - window - slow.received.length, `${rows[0].parked} parked`);
});
