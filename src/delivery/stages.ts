// The deliver worker's stages for one attempt, each its own step:
//   load    (transaction) the delivery, endpoint, event and signing secrets; nothing to do when
//           the attempt was already made or the delivery ended;
//   send    the signed request through the guarded client, no transaction held;
//   record  (transaction) the attempt, the delivery's next state and what comes with it (the
//           next attempt's job, or the endpoint's disable);
//   requeue an overdue attempt whose job was lost, for the sweeper.
import type { ServiceContext } from '../context.ts';
import { insertAttempt } from '../db/attempts.ts';
import { advanceDelivery, cancelDelivery, findDelivery, type DeliveryRow, type DeliveryStatus } from '../db/deliveries.ts';
import { clearEndpointFailure, findEndpoint, noteEndpointFailure, type EndpointRow } from '../db/endpoints.ts';
import { findEvent, type EventRow } from '../db/events.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { newId } from '../ids.ts';
import { presentEvent } from '../presenters/events.ts';
import type { DeliverJob } from '../queue/index.ts';
import type { TenantScope } from '../scope.ts';
import { disableAutomatically, secretsForSigning } from '../services/endpoints.ts';
import { classify, type Outcome } from './classify.ts';
import type { GuardedClient, HttpResult } from './client.ts';
import { buildWebhookRequest } from './request.ts';

const scopeOf = (job: DeliverJob): TenantScope => ({ tenantId: job.tenant_id, mode: job.mode });

/** Everything one attempt needs. */
export interface LoadedAttempt {
  job: DeliverJob;
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
export async function loadAttempt({ pool, config, clock }: ServiceContext, job: DeliverJob): Promise<LoadedAttempt | undefined> {
  const scope = scopeOf(job);
  return withTenant(pool, scope, async (tx) => {
    const delivery = await findDelivery(tx, scope, job.delivery_id);
    if (!delivery || delivery.attempt_count !== job.attempt - 1 || !['pending', 'retrying'].includes(delivery.status)) return undefined;
    const endpoint = await findEndpoint(tx, scope, delivery.endpoint_id);
    if (!endpoint || !endpoint.enabled) {
      await cancelDelivery(tx, scope, delivery.id, endpoint ? 'endpoint disabled' : 'endpoint deleted');
      return undefined;
    }
    const event = await findEvent(tx, scope, delivery.event_id);
    if (!event) throw new Error(`delivery ${delivery.id}: event ${delivery.event_id} is missing`);
    const secrets = await secretsForSigning(tx, config.encryptionKey, scope, endpoint.id, clock.now());
    if (!secrets.length) throw new Error(`endpoint ${endpoint.id} has no signing secret`);
    return { job, delivery, endpoint, event, secrets };
  });
}

export interface SentAttempt {
  startedAt: Date;
  result: HttpResult;
  /** What the result means for the delivery, before the endpoint's failure streak is counted. */
  outcome: Outcome;
}

/** Signs and posts the webhook; the receiver's answer (or the failure to get one) is data. */
export async function sendAttempt({ config, clock }: ServiceContext, client: GuardedClient, loaded: LoadedAttempt): Promise<SentAttempt> {
  const startedAt = clock.now();
  const request = buildWebhookRequest(presentEvent(loaded.event), loaded.secrets, loaded.job.attempt, startedAt);
  const result = await client.post(loaded.endpoint.url, request.headers, request.body);
  const outcome = classify(result, loaded.job.attempt, { scheduleMs: config.retryScheduleMs, now: clock.now().getTime() });
  return { startedAt, result, outcome };
}

const STATUS_AFTER: Record<Outcome['kind'], DeliveryStatus> = { delivered: 'delivered', retry: 'retrying', failed: 'failed', disable: 'failed' };

/**
 * Keeps the endpoint's failure streak: a delivered attempt ends it; a failed one starts it or,
 * once it has lasted `disableAfterMs`, turns the outcome into the endpoint's disable.
 */
async function trackFailures(tx: Tx, scope: TenantScope, endpointId: string, startedAt: Date, outcome: Outcome, disableAfterMs: number): Promise<Outcome> {
  if (outcome.kind === 'delivered') {
    await clearEndpointFailure(tx, scope, endpointId);
    return outcome;
  }
  if (outcome.kind === 'disable') return outcome;
  const since = await noteEndpointFailure(tx, scope, endpointId, startedAt);
  if (startedAt.getTime() - since.getTime() < disableAfterMs) return outcome;
  return { kind: 'disable', reason: `failing continuously since ${since.toISOString()} (last: ${outcome.reason})` };
}

/**
 * Records the attempt and moves the delivery on, in one transaction: the next attempt's job,
 * or the endpoint's disable, commit with it. Returns the outcome that applied (a failure can
 * become the endpoint's disable), or undefined when this attempt was already on record (a redone
 * job) — then nothing else changes either.
 */
export async function recordAttempt({ pool, queue, config }: ServiceContext, job: DeliverJob, endpointId: string, sent: SentAttempt): Promise<Outcome | undefined> {
  const scope = scopeOf(job);
  const { result, startedAt } = sent;
  return withTenant(pool, scope, async (tx) => {
    const recorded = await insertAttempt(tx, {
      tenantId: scope.tenantId, mode: scope.mode, id: newId('attempt'), deliveryId: job.delivery_id, endpointId,
      number: job.attempt, startedAt, durationMs: result.durationMs, statusCode: result.statusCode,
      responseHeaders: result.error ? null : result.headers, responseBody: result.error ? null : result.body,
      errorKind: result.error?.kind ?? null, errorMessage: result.error?.message ?? null,
    });
    if (!recorded) return undefined;
    const outcome = await trackFailures(tx, scope, endpointId, startedAt, sent.outcome, config.disableAfterMs);
    // Lock order is endpoint, then delivery, everywhere: a disable goes on to cancel the
    // endpoint's other deliveries, whose own attempts may be recording right now.
    if (outcome.kind === 'disable') await findEndpoint(tx, scope, endpointId, true);
    // Not advanced when the delivery was cancelled meanwhile (its endpoint deleted): the attempt stays on record.
    const advanced = await advanceDelivery(tx, scope, job.delivery_id, {
      attempt: job.attempt, at: startedAt, status: STATUS_AFTER[outcome.kind],
      nextAttemptAt: outcome.kind === 'retry' ? outcome.at : null,
      reason: outcome.kind === 'failed' || outcome.kind === 'disable' ? outcome.reason : null,
    });
    if (advanced && outcome.kind === 'retry') {
      await queue.enqueueAttempts(tx, [{ ...job, endpointId, attempt: job.attempt + 1, startAfter: outcome.at }]);
    }
    if (advanced && outcome.kind === 'disable') await disableAutomatically(tx, scope, endpointId, outcome.reason);
    return outcome;
  });
}

/**
 * Puts an overdue attempt whose job was lost (the database was down through all of pg-boss's
 * retries) back on the queue, under its deterministic job id. False when, checked again under
 * the delivery's lock, the attempt is no longer due or still has a live job.
 */
export async function requeueOverdue({ pool, queue }: ServiceContext, job: DeliverJob): Promise<boolean> {
  const scope = scopeOf(job);
  return withTenant(pool, scope, async (tx) => {
    const delivery = await findDelivery(tx, scope, job.delivery_id, true);
    if (!delivery || !['pending', 'retrying'].includes(delivery.status) || delivery.attempt_count !== job.attempt - 1) return false;
    return queue.queueAttemptNow(tx, { ...job, endpointId: delivery.endpoint_id });
  });
}
