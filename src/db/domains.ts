// domains: tenant-scoped (live only); insert and delete run inside withTenant. The two lookups run
// before any tenant is known, through SECURITY DEFINER functions that return an id only.
import type { Pool, Tx } from './pool.ts';

export interface DomainRow {
  tenant_id: string;
  domain: string;
  created_at: Date;
}

export async function insertDomain(tx: Tx, d: { tenantId: string; domain: string }): Promise<DomainRow> {
  const { rows } = await tx.query(
    "insert into domains (tenant_id, domain, mode) values ($1::uuid, $2, 'live') returning tenant_id, domain, created_at",
    [d.tenantId, d.domain],
  );
  return rows[0];
}

export async function deleteDomain(tx: Tx, domain: string): Promise<DomainRow | undefined> {
  const { rows } = await tx.query('delete from domains where domain = $1 returning tenant_id, domain, created_at', [domain]);
  return rows[0];
}

