// Operator actions on the global tables: tenants, organizations, users, memberships, and keys
// for any of a tenant's organizations.
import type { ServiceContext } from '../context.ts';
import {
  findTenant, findUser, insertOrganization, listTenants as listTenantRows, insertTenant, insertUser, organizationExists, updateTenantStatus, upsertMembership,
} from '../db/tenants.ts';
import { transaction } from '../db/tenant.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import { isUuid, newUuid } from '../ids.ts';
import { createKey, type NewKey } from './apiKeys.ts';
import type { Role } from '../scope.ts';
import { hashPassword } from './passwords.ts';

export function slugify(name: string): string {
  const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return slug || 'shop';
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export async function createTenant({ pool }: ServiceContext, input: { name: string; slug?: string }) {
  const slug = input.slug ?? slugify(input.name);
  try {
    return await transaction(pool, (tx) => insertTenant(tx, { id: newUuid(), name: input.name, slug }));
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`slug "${slug}" is taken`);
    throw err;
  }
}

export async function getTenant({ pool }: ServiceContext, id: string) {
  const tenant = isUuid(id) ? await findTenant(pool, id) : undefined;
  if (!tenant) throw notFound('no such tenant');
  return tenant;
}

/** Newest first; returns up to limit + 1 rows. */
export async function listTenants({ pool }: ServiceContext, page: { limit: number; startingAfter?: string }) {
  return listTenantRows(pool, { limit: page.limit + 1, startingAfter: page.startingAfter });
}

export async function setTenantStatus({ pool }: ServiceContext, id: string, status: 'active' | 'suspended') {
  const tenant = isUuid(id) ? await transaction(pool, (tx) => updateTenantStatus(tx, id, status)) : undefined;
  if (!tenant) throw notFound('no such tenant');
  return tenant;
}

export async function createOrganization(services: ServiceContext, tenantId: string, name: string) {
  await getTenant(services, tenantId);
  return transaction(services.pool, (tx) => insertOrganization(tx, { tenantId, id: newUuid(), name }));
}

export async function createUser({ pool }: ServiceContext, input: { email: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await transaction(pool, (tx) => insertUser(tx, { id: newUuid(), email: input.email, passwordHash }));
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('a user with this email exists');
    throw err;
  }
}

export async function addMembership(services: ServiceContext, tenantId: string, input: { user_id: string; org_id: string; role: Role }) {
  const { pool } = services;
  await getTenant(services, tenantId);
  if (!(await findUser(pool, input.user_id))) throw unprocessable('no such user', [{ pointer: '/user_id', detail: 'no such user' }]);
  if (!(await organizationExists(pool, tenantId, input.org_id))) {
    throw unprocessable('no such organization in this tenant', [{ pointer: '/org_id', detail: 'no such organization in this tenant' }]);
  }
  return transaction(pool, (tx) => upsertMembership(tx, { tenantId, orgId: input.org_id, userId: input.user_id, role: input.role }));
}

export async function createTenantKey(services: ServiceContext, tenantId: string, input: NewKey & { org_id: string }) {
  await getTenant(services, tenantId);
  if (!(await organizationExists(services.pool, tenantId, input.org_id))) {
    throw unprocessable('no such organization in this tenant', [{ pointer: '/org_id', detail: 'no such organization in this tenant' }]);
  }
  return createKey(services, { tenantId, orgId: input.org_id }, input);
}
