// Every query that runs before a tenant is known or across tenants: the one surface where
// isolation could fail, kept in one file to be read in one sitting. Each goes through a narrow
// SECURITY DEFINER function owned by the NOLOGIN role herald_lookup (sql/), which returns ids and
// scope only, never a tenant's data; the caller then works under withTenant for that scope.
//
// Elsewhere, by necessity (they read pg-boss's own table, which has no tenant column to scope):
// src/queue/index.ts — Queue.reclaimStalled, Queue.withoutLiveJob, Queue.backlog, Queue.analyze.
// Global tables (tenants, organizations, users, memberships: no tenant-scoped rows) are in
// src/db/tenants.ts.
import type { Pool, Tx } from './pool.ts';
import type { Mode } from '../scope.ts';

export interface ResolvedKey {
  key_id: string;
  tenant_id: string;
  org_id: string;
  mode: Mode;
  kind: 'secret' | 'publishable';
  role: string | null;
  revoked: boolean;
  tenant_status: string;
}

/** Why: a request's API key names its tenant; the tenant is unknown until the key is found. */
export async function resolveApiKey(pool: Pool, hash: string): Promise<ResolvedKey | undefined> {
  const { rows } = await pool.query('select * from resolve_api_key($1)', [hash]);
  return rows[0];
}

/** Why: a storefront request names its shop by a custom domain. The active tenant it is registered to. */
export async function resolveDomain(pool: Pool, domain: string): Promise<string | undefined> {
  const { rows } = await pool.query('select resolve_storefront_domain($1) as tenant_id', [domain]);
  return rows[0].tenant_id ?? undefined;
}

/** Why: a storefront request names its shop by `<slug>.<storefront domain>`. The active tenant with this slug. */
export async function resolveSlug(pool: Pool, slug: string): Promise<string | undefined> {
  const { rows } = await pool.query('select resolve_storefront_slug($1) as tenant_id', [slug]);
  return rows[0].tenant_id ?? undefined;
}

export interface ClaimedOutboxRow {
  tenant_id: string;
  mode: Mode;
  event_id: string;
  /** Commit order. */
  seq: number;
  /** Seconds from the event's commit to its claim. */
  waited: number;
}

/**
 * Why: the dispatcher serves every tenant's outbox. Claims (deletes, in the caller's transaction)
 * the oldest unclaimed outbox rows of any tenants, skipping rows another dispatcher holds, and
 * returns their ids and scope only.
 */
export async function claimOutbox(tx: Tx, limit: number): Promise<ClaimedOutboxRow[]> {
  const { rows } = await tx.query('select tenant_id, mode, event_id, seq, waited from claim_outbox($1)', [limit]);
  return rows;
}

export interface OverdueDelivery {
  tenant_id: string;
  mode: Mode;
  delivery_id: string;
  /** The attempt that is due. */
  attempt: number;
  next_attempt_at: Date;
}

/**
 * Why: the sweeper looks for every tenant's attempts whose job was lost. Deliveries whose next
 * attempt was due before `dueBefore`, oldest first, in pages after the previous page's last row.
 */
export async function overdueDeliveries(pool: Pool, dueBefore: Date, after: OverdueDelivery | undefined, limit: number): Promise<OverdueDelivery[]> {
  const { rows } = await pool.query(
    'select tenant_id, mode, delivery_id, attempt, next_attempt_at from overdue_deliveries($1, $2, $3, $4)',
    [dueBefore, after?.next_attempt_at ?? null, after?.delivery_id ?? null, limit],
  );
  return rows;
}

/** Why: metrics report the whole system's backlog. Counts only: events waiting for dispatch, the oldest one's wait in seconds. */
export async function outboxBacklog(pool: Pool): Promise<{ depth: number; waited: number }> {
  const { rows } = await pool.query('select depth::int, coalesce(extract(epoch from now() - oldest), 0)::float8 as waited from outbox_backlog()');
  return rows[0];
}

export interface ScopedId {
  tenant_id: string;
  mode: Mode;
  id: string;
}

/**
 * Why: the worker expires every tenant's checkouts whose 24 hours have run out. Open checkouts
 * that expired at `now`, oldest first, at most `limit`; each is expired under its own tenant.
 */
export async function expiredCheckouts(pool: Pool, now: Date, limit: number): Promise<ScopedId[]> {
  const { rows } = await pool.query('select tenant_id, mode, checkout_id as id from expired_checkouts($1, $2)', [now, limit]);
  return rows;
}

/**
 * Why: the worker cancels every tenant's storefront orders left unpaid past
 * HERALD_UNPAID_ORDER_TTL. Pending storefront orders whose payment was due at `now`, oldest
 * first, at most `limit`; each is cancelled under its own tenant.
 */
export async function unpaidStorefrontOrders(pool: Pool, now: Date, limit: number): Promise<ScopedId[]> {
  const { rows } = await pool.query('select tenant_id, mode, order_id as id from unpaid_storefront_orders($1, $2)', [now, limit]);
  return rows;
}
