// Every unit of work runs in a transaction that first pins the tenant and mode; row-level
// security reads them back, so a query that forgets its tenant filter still sees only one tenant.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isUuid } from '../ids.ts';
import { MODES, type TenantScope } from '../scope.ts';
import type { Pool, Tx } from './pool.ts';

export async function withTenant<T>(pool: Pool, scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (!isUuid(scope.tenantId) || !MODES.includes(scope.mode)) throw new Error('withTenant: invalid tenant scope');
  const joined = ambient.getStore();
  if (joined?.open && joined.scope.tenantId === scope.tenantId && joined.scope.mode === scope.mode) return work(joined.tx);
  // Validated above, so the literals are safe; one round trip instead of three.
  return run(pool, `begin; select set_config('app.tenant_id', '${scope.tenantId}', true), set_config('app.mode', '${scope.mode}', true)`, work);
}

// A request guarded by an Idempotency-Key runs its handler inside the transaction that holds the
// key's record, so the record and the work commit together; units for the same scope join it.
interface Ambient {
  scope: TenantScope;
  tx: Tx;
  open: boolean;
}
const ambient = new AsyncLocalStorage<Ambient>();

/** Runs `work` so that every withTenant unit for `scope` inside it (until it returns) uses `tx`. */
export async function joiningTransaction<T>(scope: TenantScope, tx: Tx, work: () => Promise<T>): Promise<T> {
  const store: Ambient = { scope: { tenantId: scope.tenantId, mode: scope.mode }, tx, open: true };
  try {
    return await ambient.run(store, work);
  } finally {
    store.open = false; // background work started by the handler must not reuse a finished transaction
  }
}

/**
 * Pins a transaction already open to one tenant and mode, as withTenant does at begin: for work
 * that learns its scope inside the transaction (the dispatcher's claim) or serves several scopes
 * in turn (each statement then runs under row-level security for the scope pinned last).
 */
export async function pinScope(tx: Tx, scope: TenantScope): Promise<void> {
  await tx.query(`select set_config('app.tenant_id', $1::text, true), set_config('app.mode', $2::text, true)`, [scope.tenantId, scope.mode]);
}

/** A transaction on global tables only (tenants, users, memberships): no tenant is set. */
export async function transaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  return run(pool, 'begin', work);
}

/**
 * A transaction of the delivery worker's own bookkeeping (claiming outbox rows and attempts,
 * recording attempts), committed without waiting for its WAL to reach disk. A database crash may
 * lose the last few hundred milliseconds of such commits — and always a suffix of them, never one
 * without those before it — so what is lost is redone: an attempt claimed again and sent again,
 * which at-least-once delivery allows. Everything acknowledged to a client (the API's writes)
 * stays synchronous, so no acknowledged event is lost.
 */
export async function workerTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  return run(pool, "begin; set local synchronous_commit = 'off'", work);
}

async function run<T>(pool: Pool, begin: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  let broken: unknown;
  try {
    await tx.query(begin);
    const result = await work(tx);
    await tx.query('commit');
    return result;
  } catch (err) {
    await tx.query('rollback').catch((rollbackErr) => (broken = rollbackErr));
    throw err;
  } finally {
    tx.release(broken as Error | undefined);
  }
}
