// Deliveries: reading them and their attempts, the manual retry, and the two transactions
// around each attempt the deliver worker makes (load what it needs; record what happened and
// what comes next). The HTTP request itself happens between them, outside any transaction.
import type { PgBoss } from 'pg-boss';
import type { Outcome } from '../delivery/classify.ts';
import type { HttpResult } from '../delivery/client.ts';
import { bringForward, enqueueAttempts, queueAttemptNow, type DeliverJob } from '../delivery/queues.ts';
import { insertAttempt, listAttempts, type AttemptRow } from '../db/attempts.ts';
import {
  advanceDelivery, cancelDelivery, findDelivery, listDeliveries, requeueDelivery, type DeliveryFilter, type DeliveryRow,
  type DeliveryStatus,
} from '../db/deliveries.ts';
import { clearEndpointFailure, findEndpoint, noteEndpointFailure, type EndpointRow } from '../db/endpoints.ts';
import { findEvent, type EventRow } from '../db/events.ts';
import type { Pool, Tx } from '../db/pool.ts';
import { withTenant, type TenantScope } from '../db/tenant.ts';
import { conflict, notFound, serviceUnavailable } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { disableAutomatically, secretsForSigning } from './endpoints.ts';

const scopeOf = (job: DeliverJob): TenantScope => ({ tenantId: job.tenant_id, mode: job.mode });

export async function listDeliveriesOf(pool: Pool, scope: TenantScope, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  return withTenant(pool, scope, (tx) => listDeliveries(tx, { ...filter, limit: filter.limit + 1 }));
}

async function existing(tx: Tx, id: string, lock = false): Promise<DeliveryRow> {
  const row = isId('delivery', id) ? await findDelivery(tx, id, lock) : undefined;
  if (!row) throw notFound('No such delivery');
  return row;
}

export async function getDelivery(pool: Pool, scope: TenantScope, id: string): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }> {
  return withTenant(pool, scope, async (tx) => {
    const delivery = await existing(tx, id);
    return { delivery, attempts: await listAttempts(tx, id) };
  });
}

/**
 * A new attempt now, with the same webhook-id. A delivery waiting for a scheduled retry has that
 * attempt brought forward; an ended one gets one more attempt (and the retries left after it).
 */
export async function retryDelivery(pool: Pool, boss: PgBoss | undefined, scope: TenantScope, id: string): Promise<DeliveryRow> {
  if (!boss) throw serviceUnavailable('the job queue is not available in this process');
  return withTenant(pool, scope, async (tx) => {
    const delivery = await existing(tx, id, true);
    const endpoint = await findEndpoint(tx, delivery.endpoint_id);
    if (!endpoint) throw conflict('the endpoint of this delivery was deleted');
    if (!endpoint.enabled) throw conflict('the endpoint of this delivery is disabled; enable it first');
    const attempt = delivery.attempt_count + 1;
    // A waiting job of this attempt is brought forward (a running one is the attempt); one that
    // ended (it ran while the endpoint was disabled and cancelled the delivery) is replaced.
    const job = { tenant_id: scope.tenantId, mode: scope.mode, delivery_id: id, attempt, endpointId: endpoint.id };
    if (!(await queueAttemptNow(boss, tx, job))) {
      await bringForward(boss, tx, id, attempt);
    }
    return requeueDelivery(tx, id);
  });
}

/**
 * Puts an overdue attempt whose job was lost (the database was down through all of pg-boss's
 * retries) back on the queue, under its deterministic job id. False when, checked again under
 * the delivery's lock, the attempt is no longer due or still has a live job.
 */
export async function requeueOverdue(pool: Pool, boss: PgBoss, job: DeliverJob): Promise<boolean> {
  return withTenant(pool, scopeOf(job), async (tx) => {
    const delivery = await findDelivery(tx, job.delivery_id, true);
    if (!delivery || !['pending', 'retrying'].includes(delivery.status) || delivery.attempt_count !== job.attempt - 1) return false;
    return queueAttemptNow(boss, tx, { ...job, endpointId: delivery.endpoint_id });
  });
}

/** Everything one attempt needs. */
export interface PreparedAttempt {
  delivery: DeliveryRow;
  endpoint: EndpointRow;
  event: EventRow;
  /** In clear, current first. */
  secrets: string[];
}

/**
 * Loads the attempt's delivery, endpoint, event and secrets; undefined when there is nothing to
 * do: the attempt was already made (a redone job) or the delivery ended. A delivery whose
 * endpoint is disabled or deleted by now is cancelled instead.
 */
export async function prepareAttempt(pool: Pool, encryptionKey: Buffer, job: DeliverJob): Promise<PreparedAttempt | undefined> {
  return withTenant(pool, scopeOf(job), async (tx) => {
    const delivery = await findDelivery(tx, job.delivery_id);
    if (!delivery || delivery.attempt_count !== job.attempt - 1 || !['pending', 'retrying'].includes(delivery.status)) return undefined;
    const endpoint = await findEndpoint(tx, delivery.endpoint_id);
    if (!endpoint || !endpoint.enabled) {
      await cancelDelivery(tx, delivery.id, endpoint ? 'endpoint disabled' : 'endpoint deleted');
      return undefined;
    }
    const event = await findEvent(tx, delivery.event_id);
    if (!event) throw new Error(`delivery ${delivery.id}: event ${delivery.event_id} is missing`);
    const secrets = await secretsForSigning(tx, encryptionKey, scopeOf(job), endpoint.id);
    if (!secrets.length) throw new Error(`endpoint ${endpoint.id} has no signing secret`);
    return { delivery, endpoint, event, secrets };
  });
}

const STATUS_AFTER: Record<Outcome['kind'], DeliveryStatus> = { delivered: 'delivered', retry: 'retrying', failed: 'failed', disable: 'failed' };

/**
 * Keeps the endpoint's failure streak: a delivered attempt ends it; a failed one starts it or,
 * once it has lasted `disableAfterMs`, turns the outcome into the endpoint's disable.
 */
async function trackFailures(tx: Tx, endpointId: string, startedAt: Date, outcome: Outcome, disableAfterMs: number): Promise<Outcome> {
  if (outcome.kind === 'delivered') {
    await clearEndpointFailure(tx, endpointId);
    return outcome;
  }
  if (outcome.kind === 'disable') return outcome;
  const since = await noteEndpointFailure(tx, endpointId, startedAt);
  if (startedAt.getTime() - since.getTime() < disableAfterMs) return outcome;
  return { kind: 'disable', reason: `failing continuously since ${since.toISOString()} (last: ${outcome.reason})` };
}

/**
 * Records the attempt and moves the delivery on, in one transaction: the next attempt's job,
 * or the endpoint's disable, commit with it. Returns the outcome that applied (a failure can
 * become the endpoint's disable), or undefined when this attempt was already on record (a redone
 * job) — then nothing else changes either.
 */
export async function recordAttempt(
  pool: Pool,
  boss: PgBoss,
  job: DeliverJob,
  attempt: { endpointId: string; startedAt: Date; result: HttpResult; outcome: Outcome; disableAfterMs: number },
): Promise<Outcome | undefined> {
  const scope = scopeOf(job);
  const { result } = attempt;
  return withTenant(pool, scope, async (tx) => {
    const recorded = await insertAttempt(tx, {
      tenantId: scope.tenantId, mode: scope.mode, id: newId('attempt'), deliveryId: job.delivery_id, endpointId: attempt.endpointId,
      number: job.attempt, startedAt: attempt.startedAt, durationMs: result.durationMs, statusCode: result.statusCode,
      responseHeaders: result.error ? null : result.headers, responseBody: result.error ? null : result.body,
      errorKind: result.error?.kind ?? null, errorMessage: result.error?.message ?? null,
    });
    if (!recorded) return undefined;
    const outcome = await trackFailures(tx, attempt.endpointId, attempt.startedAt, attempt.outcome, attempt.disableAfterMs);
    // Lock order is endpoint, then delivery, everywhere: a disable goes on to cancel the
    // endpoint's other deliveries, whose own attempts may be recording right now.
    if (outcome.kind === 'disable') await findEndpoint(tx, attempt.endpointId, true);
    // Not advanced when the delivery was cancelled meanwhile (its endpoint deleted): the attempt stays on record.
    const advanced = await advanceDelivery(tx, job.delivery_id, {
      attempt: job.attempt, at: attempt.startedAt, status: STATUS_AFTER[outcome.kind],
      nextAttemptAt: outcome.kind === 'retry' ? outcome.at : null,
      reason: outcome.kind === 'failed' || outcome.kind === 'disable' ? outcome.reason : null,
    });
    if (advanced && outcome.kind === 'retry') {
      await enqueueAttempts(boss, tx, [{ ...job, endpointId: attempt.endpointId, attempt: job.attempt + 1, startAfter: outcome.at }]);
    }
    if (advanced && outcome.kind === 'disable') await disableAutomatically(tx, scope, attempt.endpointId, outcome.reason);
    return outcome;
  });
}
