// api_keys: tenant-scoped; every function runs inside withTenant (RLS pins tenant and mode) and
// names its tenant and mode itself too. A key belongs to one organization: reads and revokes are
// of the caller's organization only.
import type { Mode, TenantScope } from '../scope.ts';
import type { Pool, Tx } from './pool.ts';

export interface ApiKeyRow {
  tenant_id: string;
  id: string;
  org_id: string;
  mode: Mode;
  kind: 'secret' | 'publishable';
  role: string | null;
  name: string | null;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'tenant_id, id, org_id, mode, kind, role, name, prefix, created_at, last_used_at, revoked_at';

/** An organization's keys of one mode. */
export type OrgScope = TenantScope & { orgId: string };

export async function insertApiKey(
  tx: Tx,
  k: { tenantId: string; id: string; orgId: string; mode: Mode; kind: string; role: string | null; name: string | null; hash: string; prefix: string },
): Promise<ApiKeyRow> {
  const { rows } = await tx.query(
    `insert into api_keys (tenant_id, id, org_id, mode, kind, role, name, key_hash, prefix)
     values ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
    [k.tenantId, k.id, k.orgId, k.mode, k.kind, k.role, k.name, k.hash, k.prefix],
  );
  return rows[0];
}

export async function listApiKeys(tx: Tx, scope: OrgScope, page: { limit: number; startingAfter?: string }): Promise<ApiKeyRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from api_keys
      where tenant_id = $1::uuid and mode = $2 and org_id = $3::uuid
        and ($5::text is null or (created_at, id) < (select created_at, id from api_keys where tenant_id = $1::uuid and id = $5))
      order by created_at desc, id desc limit $4`,
    [scope.tenantId, scope.mode, scope.orgId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function findApiKey(tx: Tx, scope: OrgScope, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from api_keys where tenant_id = $1::uuid and mode = $2 and org_id = $3::uuid and id = $4`,
    [scope.tenantId, scope.mode, scope.orgId, id],
  );
  return rows[0];
}

export async function revokeApiKey(tx: Tx, scope: OrgScope, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await tx.query(
    `update api_keys set revoked_at = coalesce(revoked_at, now())
      where tenant_id = $1::uuid and mode = $2 and org_id = $3::uuid and id = $4 returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, scope.orgId, id],
  );
  return rows[0];
}

export async function touchApiKey(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    `update api_keys set last_used_at = now()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
    [scope.tenantId, scope.mode, id],
  );
}
