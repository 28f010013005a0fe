// Deliveries made to one endpoint on request, beside the dispatcher's fan-out: a test event, and
// replays of the endpoint's events from a time window. Both create their deliveries and the
// first attempts' jobs in the request's transaction, so they commit (or not) with it.
import type { ServiceContext } from '../context.ts';
import { findDelivery, type DeliveryRow } from '../db/deliveries.ts';
import { findEndpoint, type EndpointRow } from '../db/endpoints.ts';
import { eventsMatching } from '../db/events.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { conflict, unprocessable } from '../errors.ts';
import { newId } from '../ids.ts';
import type { TenantScope } from '../scope.ts';
import { recordAudit } from './audit.ts';
import type { Auth } from './credentials.ts';
import { recordEvent } from './events.ts';
import { admit, flowOf } from './flows.ts';
import { findOr404 } from './resources.ts';

/** Events one replay may re-deliver; a wider window is split by the caller (a dry run tells). */
export const MAX_REPLAY_EVENTS = 10_000;

/** The endpoint, locked, if it exists and is enabled. */
async function enabledEndpoint(tx: Tx, scope: TenantScope, id: string): Promise<EndpointRow> {
  const endpoint = await findOr404('endpoint', id, (id) => findEndpoint(tx, scope, id, true));
  if (!endpoint.enabled) throw conflict('the endpoint is disabled; enable it first');
  return endpoint;
}

/** New deliveries of `events` to the endpoint, in order, joining its flows (at their ends). */
async function deliverTo(
  tx: Tx, { queue, config }: ServiceContext, scope: TenantScope, endpoint: EndpointRow, events: Array<{ id: string; type: string; ordering_key: string | null }>,
): Promise<string[]> {
  const deliveries = events.map((e) => ({
    id: newId('delivery'), endpointId: endpoint.id, eventId: e.id, eventType: e.type, flow: flowOf(endpoint.ordering, e.ordering_key),
  }));
  await queue.enqueueAttempts(tx, await admit(tx, scope, config, deliveries));
  return deliveries.map((d) => d.id);
}

/**
 * A `webhook.test` event, delivered to this endpoint alone (it matches no filter, so the
 * dispatcher sends it nowhere else). Returns its delivery.
 */
export async function sendTestEvent(services: ServiceContext, scope: TenantScope, endpointId: string): Promise<DeliveryRow> {
  return withTenant(services.pool, scope, async (tx) => {
    const endpoint = await enabledEndpoint(tx, scope, endpointId);
    const event = await recordEvent(tx, scope, 'webhook.test', { endpoint_id: endpoint.id, message: 'A test event sent from Herald' });
    const [deliveryId] = await deliverTo(tx, services, scope, endpoint, [{ ...event, ordering_key: null }]);
    return (await findDelivery(tx, scope, deliveryId))!;
  });
}

export interface ReplayWindow {
  since: Date;
  /** Defaults to now. */
  until?: Date;
  dryRun?: boolean;
}

/**
 * Re-delivers, once each and with their original webhook-id, the events of [since, until) that
 * the endpoint's filters accept, oldest first, as new deliveries. `dryRun` only counts them.
 */
export async function replayEvents(services: ServiceContext, auth: Auth, endpointId: string, window: ReplayWindow): Promise<number> {
  const { pool, clock, config } = services;
  const scope: TenantScope = auth;
  const retentionMs = config.eventRetentionMs;
  const now = clock.now().getTime();
  const until = window.until ?? new Date(now);
  const oldest = new Date(now - retentionMs);
  if (window.since < oldest) {
    throw unprocessable('since is beyond the event retention (HERALD_EVENT_RETENTION)', [
      { pointer: '/since', detail: `must be ${oldest.toISOString()} or later` },
    ]);
  }
  if (until <= window.since) throw unprocessable('the window is empty', [{ pointer: '/until', detail: 'must be after since' }]);
  return withTenant(pool, scope, async (tx) => {
    const endpoint = await enabledEndpoint(tx, scope, endpointId);
    const events = await eventsMatching(tx, scope, { since: window.since, until, filters: endpoint.event_types, limit: MAX_REPLAY_EVENTS + 1 });
    if (events.length > MAX_REPLAY_EVENTS) {
      throw unprocessable(`more than ${MAX_REPLAY_EVENTS} events match; replay a shorter window`, [{ pointer: '/until', detail: 'narrow the window' }]);
    }
    if (!window.dryRun) {
      await deliverTo(tx, services, scope, endpoint, events);
      await recordAudit(tx, auth, {
        action: 'endpoint.replayed', target: { type: 'webhook_endpoint', id: endpoint.id },
        data: { since: window.since.toISOString(), until: until.toISOString(), count: events.length },
      });
    }
    return events.length;
  });
}
