// idempotency_keys: tenant-scoped; every function runs inside withTenant, in the transaction of
// the work the key guards.
import type { Tx } from './pool.ts';
import type { TenantScope } from '../scope.ts';

export interface IdempotencyRow {
  key: string;
  fingerprint: string;
  status: number | null;
  body: unknown;
  created_at: Date;
}

const COLUMNS = 'key, fingerprint, status, body, created_at';
export const KEEP_HOURS = 24;

/**
 * Claims the key for this transaction, or returns nothing when a live (unexpired) record exists.
 * A concurrent claim of the same key waits here until the first transaction ends: it then sees
 * the committed record, or claims the key itself if the first one rolled back.
 */
export async function claimIdempotencyKey(tx: Tx, scope: TenantScope, key: string, fingerprint: string): Promise<IdempotencyRow | undefined> {
  const { rows } = await tx.query(
    `insert into idempotency_keys as k (tenant_id, mode, key, fingerprint) values ($1::uuid, $2, $3, $4)
     on conflict (tenant_id, mode, key) do update set fingerprint = excluded.fingerprint, status = null, body = null, created_at = now()
       where k.created_at < now() - make_interval(hours => ${KEEP_HOURS})
     returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, key, fingerprint],
  );
  return rows[0];
}

export async function findIdempotencyKey(tx: Tx, scope: TenantScope, key: string): Promise<IdempotencyRow | undefined> {
  const { rows } = await tx.query(`select ${COLUMNS} from idempotency_keys where tenant_id = $1::uuid and mode = $2 and key = $3`, [scope.tenantId, scope.mode, key]);
  return rows[0];
}

export async function completeIdempotencyKey(tx: Tx, scope: TenantScope, key: string, status: number, body: unknown): Promise<void> {
  await tx.query(
    'update idempotency_keys set status = $4::int, body = $5::json where tenant_id = $1::uuid and mode = $2 and key = $3',
    [scope.tenantId, scope.mode, key, status, body === undefined ? null : JSON.stringify(body)],
  );
}

/** Drops this tenant's expired records (a few at a time, so no request pays for a big purge). */
export async function purgeExpiredIdempotencyKeys(tx: Tx, scope: TenantScope): Promise<void> {
  await tx.query(
    `delete from idempotency_keys where tenant_id = $1::uuid and mode = $2 and ctid = any(array(
       select ctid from idempotency_keys where tenant_id = $1::uuid and mode = $2 and created_at < now() - make_interval(hours => ${KEEP_HOURS}) limit 100))`,
    [scope.tenantId, scope.mode],
  );
}
