// Deliveries as the API shows them: listing, one with its attempts, and the manual retry.
// The deliver worker's own stages (load, send, record, requeue) are in src/delivery/stages.ts.
import type { ServiceContext } from '../context.ts';
import { listAttempts, type AttemptRow } from '../db/attempts.ts';
import { findDelivery, listDeliveries, requeueDelivery, type DeliveryFilter, type DeliveryRow } from '../db/deliveries.ts';
import { findEndpoint, resumeEndpoint } from '../db/endpoints.ts';
import { eventOrderingKey } from '../db/events.ts';
import { withTenant } from '../db/tenant.ts';
import { conflict } from '../errors.ts';
import type { TenantScope } from '../scope.ts';
import { flowOf, rejoin } from './flows.ts';
import { findOr404 } from './resources.ts';

export async function listDeliveriesOf({ pool }: ServiceContext, scope: TenantScope, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  return withTenant(pool, scope, (tx) => listDeliveries(tx, scope, { ...filter, limit: filter.limit + 1 }));
}

export async function getDelivery({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }> {
  return withTenant(pool, scope, async (tx) => {
    const delivery = await findOr404('delivery', id, (id) => findDelivery(tx, scope, id));
    return { delivery, attempts: await listAttempts(tx, scope, id) };
  });
}

/**
 * A new attempt now, with the same webhook-id, and the end of any pause of its endpoint (attempts
 * already put off by the pause keep their time). A delivery waiting for a scheduled retry has that
 * attempt brought forward; one waiting for its turn in its endpoint's flow keeps waiting; an
 * ended one joins the end of its flow (behind the deliveries of its ordering key, on an ordered
 * endpoint) for one more attempt (and the retries left after it).
 */
export async function retryDelivery({ pool, queue, config }: ServiceContext, scope: TenantScope, id: string): Promise<DeliveryRow> {
  return withTenant(pool, scope, async (tx) => {
    const delivery = await findOr404('delivery', id, (id) => findDelivery(tx, scope, id, true));
    const endpoint = await findEndpoint(tx, scope, delivery.endpoint_id);
    if (!endpoint) throw conflict('the endpoint of this delivery was deleted');
    if (!endpoint.enabled) throw conflict('the endpoint of this delivery is disabled; enable it first');
    // The user says try now: a pause the endpoint asked for (429 or 503 with Retry-After) ends.
    await resumeEndpoint(tx, scope, endpoint.id);
    const attempt = delivery.attempt_count + 1;
    const job = { tenant_id: scope.tenantId, mode: scope.mode, delivery_id: id, attempt, endpointId: endpoint.id };
    if (delivery.status === 'pending' || delivery.status === 'retrying') {
      if (delivery.parked) return delivery;
      // A waiting job of this attempt is brought forward (a running one is the attempt); one that
      // ended (pg-boss gave up on it) is replaced.
      if (!(await queue.queueAttemptNow(tx, job))) await queue.bringForward(tx, id, attempt);
      return requeueDelivery(tx, scope, id);
    }
    const flow = flowOf(endpoint.ordering, await eventOrderingKey(tx, scope, delivery.event_id));
    const rejoined = await rejoin(tx, scope, config, { id, endpointId: endpoint.id, attemptCount: delivery.attempt_count }, flow);
    if (rejoined.attempt) await queue.queueAttemptNow(tx, rejoined.attempt);
    return rejoined.row;
  });
}
