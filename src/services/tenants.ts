// Operator actions on the global tables (tenants, organizations, users, memberships) and keys for
// any of a tenant's organizations; and a tenant's own view of itself (GET /v1/tenant). The
// global tables are reached only through the narrow functions of src/db/crossTenant.ts.
import type { ServiceContext } from '../context.ts';
import {
  insertOrganization, insertTenant, insertUser, listTenantRows, organizationById, putMembership, tenantById, updateTenant, userById,
  type OrganizationRow, type TenantRow,
} from '../db/crossTenant.ts';
import { withTenant } from '../db/tenant.ts';
import { conflict, isUniqueViolation, notFound, unprocessable } from '../errors.ts';
import { isUuid, newUuid } from '../ids.ts';
import type { Role } from '../scope.ts';
import { createKey, type NewKey } from './apiKeys.ts';
import { operatorActor, recordAudit } from './audit.ts';
import type { Auth } from './credentials.ts';
import { membershipConflict } from './members.ts';
import { hashPassword } from './passwords.ts';

export function slugify(name: string): string {
  const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return slug || 'shop';
}

export async function createTenant({ pool }: ServiceContext, input: { name: string; slug?: string }): Promise<TenantRow> {
  const slug = input.slug ?? slugify(input.name);
  try {
    return await insertTenant(pool, { id: newUuid(), name: input.name, slug });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`slug "${slug}" is taken`);
    throw err;
  }
}

export async function getTenant({ pool }: ServiceContext, id: string): Promise<TenantRow> {
  const tenant = isUuid(id) ? await tenantById(pool, id.toLowerCase()) : undefined;
  if (!tenant) throw notFound('no such tenant');
  return tenant;
}

/** Newest first; returns up to limit + 1 rows. */
export async function listTenants({ pool }: ServiceContext, page: { limit: number; startingAfter?: string }) {
  const after = page.startingAfter;
  if (after !== undefined && !isUuid(after)) return [];
  return listTenantRows(pool, { limit: page.limit + 1, startingAfter: after?.toLowerCase() });
}

/** Suspends or reactivates a tenant, and/or sets its API rate limit (requests per second). */
export async function patchTenant({ pool }: ServiceContext, id: string, patch: { status?: 'active' | 'suspended'; api_rate_limit?: number }): Promise<TenantRow> {
  const tenant = isUuid(id) ? await updateTenant(pool, id.toLowerCase(), { status: patch.status, apiRateLimit: patch.api_rate_limit }) : undefined;
  if (!tenant) throw notFound('no such tenant');
  return tenant;
}

export async function createOrganization(services: ServiceContext, tenantId: string, name: string): Promise<OrganizationRow> {
  const tenant = await getTenant(services, tenantId);
  return insertOrganization(services.pool, { tenantId: tenant.id, id: newUuid(), name });
}

export async function createUser({ pool }: ServiceContext, input: { email: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await insertUser(pool, { id: newUuid(), email: input.email, passwordHash });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('a user with this email exists');
    throw err;
  }
}

async function organizationOf(services: ServiceContext, tenantId: string, orgId: string): Promise<OrganizationRow> {
  const org = await organizationById(services.pool, tenantId, orgId);
  if (!org) throw unprocessable('no such organization in this tenant', [{ pointer: '/org_id', detail: 'no such organization in this tenant' }]);
  return org;
}

/** Adds a member or changes its role (an organization keeps its last owner: 409). */
export async function addMembership(services: ServiceContext, tenantId: string, input: { user_id: string; org_id: string; role: Role }, address?: string) {
  const { pool } = services;
  const tenant = await getTenant(services, tenantId);
  if (!(await userById(pool, input.user_id))) throw unprocessable('no such user', [{ pointer: '/user_id', detail: 'no such user' }]);
  await organizationOf(services, tenant.id, input.org_id);
  const membership = { tenantId: tenant.id, orgId: input.org_id, userId: input.user_id, role: input.role };
  return withTenant(pool, { tenantId: tenant.id, mode: 'live' }, async (tx) => {
    const { outcome, member } = await putMembership(tx, membership, { create: true, update: true, maxRole: null });
    membershipConflict(outcome);
    await recordAudit(tx, operatorActor(tenant.id, 'live', input.org_id, address), {
      action: outcome === 'created' ? 'member.added' : 'member.role_changed', target: { type: 'member', id: input.user_id }, data: { role: input.role },
    });
    return { ...member!, tenant_id: tenant.id, org_id: input.org_id };
  });
}

export async function createTenantKey(services: ServiceContext, tenantId: string, input: NewKey & { org_id: string }, address?: string) {
  const tenant = await getTenant(services, tenantId);
  await organizationOf(services, tenant.id, input.org_id);
  return createKey(services, { tenantId: tenant.id, orgId: input.org_id }, input, operatorActor(tenant.id, input.mode, input.org_id, address));
}

/** GET /v1/tenant: the caller's tenant, organization, mode and role. */
export async function tenantOf({ pool }: ServiceContext, auth: Auth) {
  const [tenant, org] = await Promise.all([tenantById(pool, auth.tenantId), organizationById(pool, auth.tenantId, auth.orgId)]);
  if (!tenant || !org) throw notFound('no such tenant');
  return { tenant, org, mode: auth.mode, role: auth.role };
}
