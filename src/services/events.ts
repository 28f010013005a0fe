// Recording events: every write calls recordEvent inside its own transaction, so the event (and
// its outbox row) exists if and only if the change it describes committed.
import { insertEventWithOutbox, type EventRow } from '../db/events.ts';
import type { Tx } from '../db/pool.ts';
import type { TenantScope } from '../db/tenant.ts';
import { newId } from '../ids.ts';

export async function recordEvent(
  tx: Tx,
  scope: TenantScope,
  type: string,
  data: Record<string, unknown>,
  previousAttributes?: Record<string, unknown>,
): Promise<EventRow> {
  return insertEventWithOutbox(tx, { tenantId: scope.tenantId, id: newId('event'), mode: scope.mode, type, data, previousAttributes });
}

/** The webhook body and the GET /v1/events/:id body: one envelope (DESIGN §3). */
export function eventEnvelope(e: EventRow) {
  return {
    id: e.id,
    type: e.type,
    tenant_id: e.tenant_id,
    mode: e.mode,
    created_at: e.created_at.toISOString(),
    data: e.data,
    ...(e.previous_attributes ? { previous_attributes: e.previous_attributes } : {}),
  };
}
