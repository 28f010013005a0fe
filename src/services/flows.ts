// Flows: how an endpoint's deliveries are admitted to the job queue (sql/033, docs/delivery.md).
// Each delivery joins one flow of its endpoint when it is created; a flow lets a number of its
// deliveries be in flight (released: they have a job) and parks the rest, in position order,
// until one of those in flight ends:
//   'none'     an unordered endpoint (and key-less events of a keyed one): a window of
//              HERALD_ENDPOINT_CONCURRENCY × 64, which keeps a backlog out of the job queue;
//   'fifo'     the whole endpoint, one at a time;
//   'key:<k>'  one ordering key, one at a time.
// Ordered flows are admitted and released under their locks, so a delivery parked by one
// transaction is never missed by another releasing its flow. Unordered ('none') flows take no
// lock — every dispatch batch and every record would serialise on them — and the rare flow left
// with parked deliveries and room is released by the sweeper (releaseStalledFlows, sql/034).
import type { Config } from '../config.ts';
import type { ServiceContext } from '../context.ts';
import { stalledFlows } from '../db/crossTenant.ts';
import { withTenant } from '../db/tenant.ts';
import { flowStates, insertDeliveries, lockFlows, rejoinFlow, releaseWaiting, type DeliveryRow, type Flow, type NewDelivery } from '../db/deliveries.ts';
import type { Tx } from '../db/pool.ts';
import type { EndpointAttempt } from '../queue/index.ts';
import type { TenantScope } from '../scope.ts';

export const ORDERINGS = ['none', 'key', 'fifo'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/**
 * An unordered flow lets this many times HERALD_ENDPOINT_CONCURRENCY of its deliveries have a job.
 * The window bounds one endpoint's throughput at about window / (record → release → claim → send),
 * some 40 ms: 32 held a fast endpoint to ~850/s; 256 lets it go as fast as the workers can.
 */
const WINDOW_FACTOR = 64;

/** The flow a delivery to an endpoint with this ordering joins, for an event with this key. */
export function flowOf(ordering: Ordering, orderingKey: string | null): string {
  if (ordering === 'fifo') return 'fifo';
  if (ordering === 'key' && orderingKey !== null) return `key:${orderingKey}`;
  return 'none';
}

export function flowCapacity(config: Config, flow: string): number {
  return flow === 'none' ? config.endpointConcurrency * WINDOW_FACTOR : 1;
}

const flowKey = (f: Flow) => `${f.endpointId}\u0000${f.flow}`;
const ordered = (f: Flow) => f.flow !== 'none';

function distinctFlows(items: Flow[]): Flow[] {
  const seen = new Map<string, Flow>();
  for (const f of items) seen.set(flowKey(f), { endpointId: f.endpointId, flow: f.flow });
  return [...seen.values()];
}

/**
 * Inserts new deliveries of the pinned scope, in the order given (their order in their flows):
 * each is released while its flow has room and nobody waits in it, else parked. Returns the
 * released ones' first attempts, to enqueue in the same transaction.
 */
export async function admit(tx: Tx, scope: TenantScope, config: Config, deliveries: Array<Omit<NewDelivery, 'parked'>>): Promise<EndpointAttempt[]> {
  if (!deliveries.length) return [];
  const flows = distinctFlows(deliveries.map((d) => ({ endpointId: d.endpointId, flow: d.flow })));
  await lockFlows(tx, scope, flows.filter(ordered));
  const states = new Map((await flowStates(tx, scope, flows)).map((s) => [flowKey(s), { ...s }]));
  const admitted: NewDelivery[] = deliveries.map((d) => {
    const state = states.get(flowKey({ endpointId: d.endpointId, flow: d.flow }))!;
    const parked = state.waiting || state.in_flight >= flowCapacity(config, d.flow);
    if (parked) state.waiting = true;
    else state.in_flight++;
    return { ...d, parked };
  });
  await insertDeliveries(tx, scope, admitted);
  return admitted.filter((d) => !d.parked).map((d) => ({
    tenant_id: scope.tenantId, mode: scope.mode, delivery_id: d.id, attempt: 1, endpointId: d.endpointId,
  }));
}

/**
 * After deliveries of these flows ended (or left them), releases the flows' waiting deliveries
 * as far as their room allows, next attempt due `now`. Returns the attempts to enqueue.
 */
export async function releaseFlows(tx: Tx, scope: TenantScope, config: Config, flows: Flow[], now: Date): Promise<EndpointAttempt[]> {
  const distinct = distinctFlows(flows);
  if (!distinct.length) return [];
  await lockFlows(tx, scope, distinct.filter(ordered));
  const released = await releaseWaiting(tx, scope, distinct.map((f) => ({ ...f, capacity: flowCapacity(config, f.flow) })), now);
  return released.map((r) => ({ tenant_id: scope.tenantId, mode: scope.mode, delivery_id: r.id, attempt: r.attempt, endpointId: r.endpoint_id }));
}

/**
 * An ended delivery sent again (a manual retry): it joins the end of its flow, released if the
 * flow has room and nobody waits, else parked. Returns it, and its next attempt when released.
 */
export async function rejoin(
  tx: Tx, scope: TenantScope, config: Config, delivery: { id: string; endpointId: string; attemptCount: number }, flow: string,
): Promise<{ row: DeliveryRow; attempt?: EndpointAttempt }> {
  const f = { endpointId: delivery.endpointId, flow };
  if (ordered(f)) await lockFlows(tx, scope, [f]);
  const [state] = await flowStates(tx, scope, [f]);
  const parked = state.waiting || state.in_flight >= flowCapacity(config, flow);
  const row = await rejoinFlow(tx, scope, delivery.id, flow, parked);
  const attempt = parked ? undefined : {
    tenant_id: scope.tenantId, mode: scope.mode, delivery_id: delivery.id, attempt: delivery.attemptCount + 1, endpointId: delivery.endpointId,
  };
  return { row, attempt };
}

/** Stalled flows released per sweep. */
const STALLED_PAGE = 100;

/** Releases unordered flows left with parked deliveries and room (a lost wake-up); returns how many deliveries it released. */
export async function releaseStalledFlows({ pool, queue, config, clock }: ServiceContext): Promise<number> {
  const stalled = await stalledFlows(pool, flowCapacity(config, 'none'), STALLED_PAGE);
  let released = 0;
  const scopes = new Map<string, { scope: TenantScope; flows: Flow[] }>();
  for (const f of stalled) {
    const key = `${f.tenant_id}/${f.mode}`;
    if (!scopes.has(key)) scopes.set(key, { scope: { tenantId: f.tenant_id, mode: f.mode }, flows: [] });
    scopes.get(key)!.flows.push({ endpointId: f.endpoint_id, flow: f.flow });
  }
  for (const { scope, flows } of scopes.values()) {
    released += await withTenant(pool, scope, async (tx) => {
      const attempts = await releaseFlows(tx, scope, config, flows, clock.now());
      await queue.enqueueAttempts(tx, attempts);
      return attempts.length;
    });
  }
  return released;
}
