// Every unit of work runs in a transaction that first pins the tenant and mode; row-level
// security reads them back, so a query that forgets its tenant filter still sees only one tenant.
import { isUuid } from '../ids.ts';
import type { Pool, Tx } from './pool.ts';

export type Mode = 'live' | 'test';
export const MODES: readonly Mode[] = ['live', 'test'];

export interface TenantScope {
  tenantId: string;
  mode: Mode;
}

export async function withTenant<T>(pool: Pool, scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (!isUuid(scope.tenantId) || !MODES.includes(scope.mode)) throw new Error('withTenant: invalid tenant scope');
  // Validated above, so the literals are safe; one round trip instead of three.
  return run(pool, `begin; select set_config('app.tenant_id', '${scope.tenantId}', true), set_config('app.mode', '${scope.mode}', true)`, work);
}

/** A transaction on global tables only (tenants, users, memberships): no tenant is set. */
export async function transaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  return run(pool, 'begin', work);
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
