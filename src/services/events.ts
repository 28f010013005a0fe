// Recording events: every write calls recordEvent inside its own transaction, so the event (and
// its outbox row) exists if and only if the change it describes committed.
import { isDeepStrictEqual } from 'node:util';
import { findEvent, insertEventWithOutbox, listEvents as listEventRows, lockOrderingKey, type EventFilter, type EventRow } from '../db/events.ts';
import type { ServiceContext } from '../context.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { type TenantScope } from '../scope.ts';
import { payloadTooLarge, unprocessable } from '../errors.ts';
import { newId } from '../ids.ts';
import { findOr404 } from './resources.ts';

/**
 * Records an event and its outbox row in the caller's transaction. Its ordering key (for
 * endpoints ordered by key) is the resource's id — `data.id` — unless given: a resource's events
 * are ordered by the locks on its row, so they commit, and reach the outbox, in order.
 */
export async function recordEvent(
  tx: Tx,
  scope: TenantScope,
  type: string,
  data: Record<string, unknown>,
  previousAttributes?: Record<string, unknown>,
  orderingKey: string | null = typeof data.id === 'string' ? data.id : null,
): Promise<EventRow> {
  return insertEventWithOutbox(tx, { tenantId: scope.tenantId, id: newId('event'), mode: scope.mode, type, data, previousAttributes, orderingKey });
}

/** `*.updated`: the resource as it is now, and the old values of the fields that changed. */
export async function recordUpdate(
  tx: Tx, scope: TenantScope, type: string, before: Record<string, unknown>, after: Record<string, unknown>,
): Promise<EventRow> {
  const previous = Object.fromEntries(Object.entries(before).filter(([key, value]) => !isDeepStrictEqual(value, after[key])));
  return recordEvent(tx, scope, type, after, previous);
}

/** Herald's own event namespaces (DESIGN §4): a custom event may not use them. */
export const RESERVED_NAMESPACES = [
  'product', 'variant', 'customer', 'coupon', 'discount', 'order', 'cart', 'checkout', 'page', 'post', 'settings', 'endpoint', 'webhook',
];
export const MAX_CUSTOM_EVENT_BYTES = 64 * 1024;

/** A custom event (`POST /v1/events`): any dotted type outside the built-in namespaces. */
export async function createCustomEvent(
  { pool }: ServiceContext, scope: TenantScope, input: { type: string; data: Record<string, unknown>; ordering_key?: string },
): Promise<EventRow> {
  const namespace = input.type.split('.')[0];
  if (RESERVED_NAMESPACES.includes(namespace)) {
    throw unprocessable(`the ${namespace}.* namespace is reserved for Herald's own events`, [{ pointer: '/type', detail: `reserved namespace ${namespace}.*` }]);
  }
  const size = Buffer.byteLength(JSON.stringify(input.data));
  if (size > MAX_CUSTOM_EVENT_BYTES) throw payloadTooLarge(`event data is ${size} bytes; at most ${MAX_CUSTOM_EVENT_BYTES} are allowed`);
  const key = input.ordering_key ?? null;
  return withTenant(pool, scope, async (tx) => {
    // Custom events of one key have no row lock to order them: this lock does.
    if (key !== null) await lockOrderingKey(tx, scope, key);
    return recordEvent(tx, scope, input.type, input.data, undefined, key);
  });
}

export async function getEvent({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<EventRow> {
  return withTenant(pool, scope, (tx) => findOr404('event', id, (id) => findEvent(tx, scope, id)));
}

/** Newest first; returns up to limit + 1 rows (the extra one only says there is more). */
export async function listEvents({ pool }: ServiceContext, scope: TenantScope, filter: EventFilter): Promise<EventRow[]> {
  return withTenant(pool, scope, (tx) => listEventRows(tx, scope, { ...filter, limit: filter.limit + 1 }));
}
