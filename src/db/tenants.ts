// Global tables: tenants, organizations, users, memberships (no tenant scope, no RLS).
import type { Pool, Tx } from './pool.ts';

export interface TenantRow {
  id: string;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  created_at: Date;
}

export async function insertTenant(tx: Tx, t: { id: string; name: string; slug: string }): Promise<TenantRow> {
  const { rows } = await tx.query(
    'insert into tenants (id, name, slug) values ($1::uuid, $2, $3) returning id, name, slug, status, created_at',
    [t.id, t.name, t.slug],
  );
  return rows[0];
}

export async function findTenant(db: Pool | Tx, id: string): Promise<TenantRow | undefined> {
  const { rows } = await db.query('select id, name, slug, status, created_at from tenants where id = $1::uuid', [id]);
  return rows[0];
}

export async function tenantStatus(db: Pool | Tx, id: string): Promise<string | undefined> {
  const { rows } = await db.query('select status from tenants where id = $1::uuid', [id]);
  return rows[0]?.status;
}

export async function listTenants(db: Pool | Tx, page: { limit: number; startingAfter?: string }): Promise<TenantRow[]> {
  const { rows } = await db.query(
    `select id, name, slug, status, created_at from tenants
      where $2::uuid is null or (created_at, id) < (select created_at, id from tenants where id = $2::uuid)
      order by created_at desc, id desc limit $1`,
    [page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function updateTenantStatus(tx: Tx, id: string, status: string): Promise<TenantRow | undefined> {
  const { rows } = await tx.query(
    'update tenants set status = $2 where id = $1::uuid returning id, name, slug, status, created_at',
    [id, status],
  );
  return rows[0];
}

export interface OrganizationRow {
  tenant_id: string;
  id: string;
  name: string;
  created_at: Date;
}

export async function insertOrganization(tx: Tx, o: { tenantId: string; id: string; name: string }): Promise<OrganizationRow> {
  const { rows } = await tx.query(
    'insert into organizations (tenant_id, id, name) values ($1::uuid, $2::uuid, $3) returning tenant_id, id, name, created_at',
    [o.tenantId, o.id, o.name],
  );
  return rows[0];
}

export async function organizationExists(db: Pool | Tx, tenantId: string, orgId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from organizations where tenant_id = $1::uuid and id = $2::uuid', [tenantId, orgId]);
  return rows.length > 0;
}

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: Date;
}

export async function insertUser(tx: Tx, u: { id: string; email: string; passwordHash: string }): Promise<UserRow> {
  const { rows } = await tx.query(
    'insert into users (id, email, password_hash) values ($1::uuid, $2, $3) returning id, email, password_hash, created_at',
    [u.id, u.email, u.passwordHash],
  );
  return rows[0];
}

export async function findUser(db: Pool | Tx, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query('select id, email, password_hash, created_at from users where id = $1::uuid', [id]);
  return rows[0];
}

export async function findUserByEmail(db: Pool | Tx, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query('select id, email, password_hash, created_at from users where lower(email) = lower($1)', [email]);
  return rows[0];
}

export interface MembershipRow {
  tenant_id: string;
  org_id: string;
  user_id: string;
  role: string;
  created_at: Date;
}

export async function upsertMembership(tx: Tx, m: { tenantId: string; orgId: string; userId: string; role: string }): Promise<MembershipRow> {
  const { rows } = await tx.query(
    `insert into memberships (tenant_id, org_id, user_id, role) values ($1::uuid, $2::uuid, $3::uuid, $4)
     on conflict (tenant_id, org_id, user_id) do update set role = excluded.role
     returning tenant_id, org_id, user_id, role, created_at`,
    [m.tenantId, m.orgId, m.userId, m.role],
  );
  return rows[0];
}

export async function findMembership(db: Pool | Tx, tenantId: string, orgId: string, userId: string): Promise<MembershipRow | undefined> {
  const { rows } = await db.query(
    'select tenant_id, org_id, user_id, role, created_at from memberships where tenant_id = $1::uuid and org_id = $2::uuid and user_id = $3::uuid',
    [tenantId, orgId, userId],
  );
  return rows[0];
}
