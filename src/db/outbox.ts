// The dispatcher's side of the outbox. A claim transaction first finds, across tenants, the
// scope (tenant, mode) of the oldest unclaimed row through the SECURITY DEFINER function, pins
// that scope like withTenant does, then claims that scope's rows under row-level security.
import type { Pool, Tx } from './pool.ts';
import type { Mode, TenantScope } from './tenant.ts';

/** Locks the oldest unclaimed outbox row of any tenant; returns its scope, or undefined if none. */
export async function claimOutboxScope(tx: Tx): Promise<TenantScope | undefined> {
  const { rows } = await tx.query('select tenant_id, mode from claim_outbox_scope()');
  return rows[0] && { tenantId: rows[0].tenant_id, mode: rows[0].mode as Mode };
}

/** Pins the transaction to one tenant and mode (what withTenant does at begin). */
export async function pinScope(tx: Tx, scope: TenantScope): Promise<void> {
  await tx.query(`select set_config('app.tenant_id', $1::text, true), set_config('app.mode', $2::text, true)`, [scope.tenantId, scope.mode]);
}

export interface ClaimedEvent {
  event_id: string;
  type: string;
}

/** The pinned scope's oldest unclaimed rows, locked until commit; others skip them. */
export async function claimOutboxBatch(tx: Tx, limit: number): Promise<ClaimedEvent[]> {
  const { rows } = await tx.query(
    `select o.event_id, e.type from outbox o join events e on e.tenant_id = o.tenant_id and e.id = o.event_id
      order by o.seq limit $1 for update of o skip locked`,
    [limit],
  );
  return rows;
}

/** Deletes the dispatched rows; returns each one's wait in seconds (commit of its event → now, by the database clock). */
export async function deleteOutbox(tx: Tx, eventIds: string[]): Promise<number[]> {
  const { rows } = await tx.query(
    'delete from outbox where event_id = any($1::text[]) returning extract(epoch from clock_timestamp() - created_at)::float8 as waited',
    [eventIds],
  );
  return rows.map((r) => r.waited);
}

/** Across tenants (SECURITY DEFINER, counts only): events waiting for dispatch, and the oldest one's wait in seconds. */
export async function outboxBacklog(pool: Pool): Promise<{ depth: number; waited: number }> {
  const { rows } = await pool.query('select depth::int, coalesce(extract(epoch from now() - oldest), 0)::float8 as waited from outbox_backlog()');
  return rows[0];
}
