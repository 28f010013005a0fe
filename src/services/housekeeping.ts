// Periodic work across tenants, run by the worker (workers/housekeeping.ts): expiring checkouts
// whose 24 hours ran out (checkout.expired) and cancelling storefront orders left unpaid past
// HERALD_UNPAID_ORDER_TTL (order.cancelled, stock and coupon returned). The finders cross tenants
// through narrow SECURITY DEFINER functions that return ids only (src/db/crossTenant.ts); each
// change then runs under withTenant for its own tenant and mode, re-checking the rule, in small
// batches, so no transaction is long and none spans two tenants.
import type { ServiceContext } from '../context.ts';
import { expireCheckouts as expireCheckoutRows } from '../db/checkouts.ts';
import { expiredCheckouts, unpaidStorefrontOrders, type ScopedId } from '../db/crossTenant.ts';
import { withTenant } from '../db/tenant.ts';
import { presentCheckout } from '../presenters/carts.ts';
import type { TenantScope } from '../scope.ts';
import { recordEvent } from './events.ts';
import { cancelUnpaidOrder } from './orders.ts';

/** Rows looked up, and changed per transaction, at a time. */
export const BATCH = 100;

/** The ids of one batch, grouped by their tenant and mode. */
function byScope(rows: ScopedId[]): Array<{ scope: TenantScope; ids: string[] }> {
  const groups = new Map<string, { scope: TenantScope; ids: string[] }>();
  for (const row of rows) {
    const key = `${row.tenant_id}/${row.mode}`;
    if (!groups.has(key)) groups.set(key, { scope: { tenantId: row.tenant_id, mode: row.mode }, ids: [] });
    groups.get(key)!.ids.push(row.id);
  }
  return [...groups.values()];
}

/** Expires every open checkout whose time ran out; returns how many. */
export async function expireCheckouts(services: ServiceContext): Promise<number> {
  const { pool, clock } = services;
  let expired = 0;
  for (;;) {
    const now = clock.now();
    const batch = await expiredCheckouts(pool, now, BATCH);
    let changed = 0;
    for (const { scope, ids } of byScope(batch)) {
      changed += await withTenant(pool, scope, async (tx) => {
        const rows = await expireCheckoutRows(tx, scope, ids, now);
        for (const row of rows) await recordEvent(tx, scope, 'checkout.expired', presentCheckout(row));
        return rows.length;
      });
    }
    expired += changed;
    // A short batch was the last; a batch that changed nothing (all taken meanwhile) would repeat.
    if (batch.length < BATCH || changed === 0) return expired;
  }
}

/** Cancels every storefront order unpaid for longer than HERALD_UNPAID_ORDER_TTL; returns how many. */
export async function cancelUnpaidOrders(services: ServiceContext): Promise<number> {
  const { pool, clock } = services;
  let cancelled = 0;
  for (;;) {
    const now = clock.now();
    const batch = await unpaidStorefrontOrders(pool, now, BATCH);
    let changed = 0;
    for (const row of batch) {
      if (await cancelUnpaidOrder(services, { tenantId: row.tenant_id, mode: row.mode }, row.id, now)) changed++;
    }
    cancelled += changed;
    if (batch.length < BATCH || changed === 0) return cancelled;
  }
}
