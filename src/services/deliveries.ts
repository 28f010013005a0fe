// Deliveries as the API shows them: listing, one with its attempts, and the manual retry.
// The deliver worker's own stages (load, send, record, requeue) are in src/delivery/stages.ts.
import type { ServiceContext } from '../context.ts';
import { listAttempts, type AttemptRow } from '../db/attempts.ts';
import { findDelivery, listDeliveries, requeueDelivery, type DeliveryFilter, type DeliveryRow } from '../db/deliveries.ts';
import { findEndpoint } from '../db/endpoints.ts';
import { withTenant } from '../db/tenant.ts';
import { conflict } from '../errors.ts';
import type { TenantScope } from '../scope.ts';
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
 * A new attempt now, with the same webhook-id. A delivery waiting for a scheduled retry has that
 * attempt brought forward; an ended one gets one more attempt (and the retries left after it).
 */
export async function retryDelivery({ pool, queue }: ServiceContext, scope: TenantScope, id: string): Promise<DeliveryRow> {
  return withTenant(pool, scope, async (tx) => {
    const delivery = await findOr404('delivery', id, (id) => findDelivery(tx, scope, id, true));
    const endpoint = await findEndpoint(tx, scope, delivery.endpoint_id);
    if (!endpoint) throw conflict('the endpoint of this delivery was deleted');
    if (!endpoint.enabled) throw conflict('the endpoint of this delivery is disabled; enable it first');
    const attempt = delivery.attempt_count + 1;
    // A waiting job of this attempt is brought forward (a running one is the attempt); one that
    // ended (it ran while the endpoint was disabled and cancelled the delivery) is replaced.
    const job = { tenant_id: scope.tenantId, mode: scope.mode, delivery_id: id, attempt, endpointId: endpoint.id };
    if (!(await queue.queueAttemptNow(tx, job))) await queue.bringForward(tx, id, attempt);
    return requeueDelivery(tx, scope, id);
  });
}
