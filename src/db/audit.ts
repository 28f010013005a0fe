// audit_log: tenant-scoped, append-only; every function runs inside withTenant, in the
// transaction of the action an entry records, and names its tenant and mode itself too.
import type { Mode, TenantScope } from '../scope.ts';
import type { Tx } from './pool.ts';

export interface AuditRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  org_id: string | null;
  actor_type: 'api_key' | 'user' | 'operator';
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  created_at: Date;
}

const COLUMNS = 'tenant_id, id, mode, org_id, actor_type, actor_id, action, target_type, target_id, data, ip, created_at';

export async function insertAuditEntry(tx: Tx, e: Omit<AuditRow, 'created_at'>): Promise<void> {
  await tx.query(
    `insert into audit_log (tenant_id, id, mode, org_id, actor_type, actor_id, action, target_type, target_id, data, ip)
     values ($1::uuid, $2, $3, $4::uuid, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    [e.tenant_id, e.id, e.mode, e.org_id, e.actor_type, e.actor_id, e.action, e.target_type, e.target_id, JSON.stringify(e.data), e.ip],
  );
}

/** One organization's entries of one mode, newest first. */
export async function listAuditEntries(tx: Tx, scope: TenantScope & { orgId: string }, page: { limit: number; startingAfter?: string }): Promise<AuditRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from audit_log
      where tenant_id = $1::uuid and mode = $2 and org_id = $3::uuid
        and ($5::text is null or (created_at, id) < (select created_at, id from audit_log where tenant_id = $1::uuid and id = $5))
      order by created_at desc, id desc limit $4`,
    [scope.tenantId, scope.mode, scope.orgId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}
