// Flows: how an endpoint's deliveries are admitted to the job queue (sql/033, docs/delivery.md).
// Each delivery joins one flow of its endpoint when it is created; a flow lets a number of its
// deliveries be in flight (released: they have a job) and parks the rest, in position order,
// until one of those in flight ends:
//   'none'     an unordered endpoint (and key-less events of a keyed one): a window of
//              HERALD_ENDPOINT_CONCURRENCY × 8, which keeps a backlog out of the job queue;
//   'fifo'     the whole endpoint, one at a time;
//   'key:<k>'  one ordering key, one at a time.
// Admission and release run under the flows' locks, so a delivery parked by one transaction is
// never missed by another releasing its flow.
import type { Config } from '../config.ts';
import { flowStates, insertDeliveries, lockFlows, rejoinFlow, releaseWaiting, type DeliveryRow, type Flow, type NewDelivery } from '../db/deliveries.ts';
import type { Tx } from '../db/pool.ts';
import type { EndpointAttempt } from '../queue/index.ts';
import type { TenantScope } from '../scope.ts';

export const ORDERINGS = ['none', 'key', 'fifo'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/** An unordered flow lets this many times HERALD_ENDPOINT_CONCURRENCY of its deliveries have a job. */
const WINDOW_FACTOR = 8;

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
  await lockFlows(tx, scope, flows);
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
  await lockFlows(tx, scope, distinct);
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
  await lockFlows(tx, scope, [f]);
  const [state] = await flowStates(tx, scope, [f]);
  const parked = state.waiting || state.in_flight >= flowCapacity(config, flow);
  const row = await rejoinFlow(tx, scope, delivery.id, flow, parked);
  const attempt = parked ? undefined : {
    tenant_id: scope.tenantId, mode: scope.mode, delivery_id: delivery.id, attempt: delivery.attemptCount + 1, endpointId: delivery.endpointId,
  };
  return { row, attempt };
}
