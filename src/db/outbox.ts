// The dispatcher's side of the outbox, under row-level security: the claim transaction first
// finds a scope with work (claimOutboxScope in crossTenant.ts), pins it, then claims its rows here.
import type { TenantScope } from '../scope.ts';
import type { Tx } from './pool.ts';

export interface ClaimedEvent {
  event_id: string;
  type: string;
}

/** The pinned scope's oldest unclaimed rows, locked until commit; others skip them. */
export async function claimOutboxBatch(tx: Tx, scope: TenantScope, limit: number): Promise<ClaimedEvent[]> {
  const { rows } = await tx.query(
    `select o.event_id, e.type from outbox o join events e on e.tenant_id = o.tenant_id and e.mode = o.mode and e.id = o.event_id
      where o.tenant_id = $2::uuid and o.mode = $3
      order by o.seq limit $1 for update of o skip locked`,
    [limit, scope.tenantId, scope.mode],
  );
  return rows;
}

/** Deletes the dispatched rows; returns each one's wait in seconds (commit of its event → now, by the database clock). */
export async function deleteOutbox(tx: Tx, scope: TenantScope, eventIds: string[]): Promise<number[]> {
  const { rows } = await tx.query(
    `delete from outbox where tenant_id = $2::uuid and mode = $3 and event_id = any($1::text[])
     returning extract(epoch from clock_timestamp() - created_at)::float8 as waited`,
    [eventIds, scope.tenantId, scope.mode],
  );
  return rows.map((r) => r.waited);
}

