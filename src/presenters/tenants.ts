import { z } from 'zod';
import type { DomainRow, MemberRow, OrganizationRow, TenantRow, UserMembership, UserRow } from '../db/crossTenant.ts';
import { MODES, ROLES } from '../scope.ts';

export const Tenant = z.object({
  id: z.string(), object: z.literal('tenant'), name: z.string(), slug: z.string(), status: z.enum(['active', 'suspended']),
  api_rate_limit: z.number().int().describe('Requests per second the tenant\'s credentials may make to /v1, across every API process'),
  created_at: z.string(),
}).meta({ id: 'Tenant', description: 'A tenant: an isolated shop' });
export const Organization = z.object({ id: z.string(), object: z.literal('organization'), tenant_id: z.string(), name: z.string(), created_at: z.string() }).meta({ id: 'Organization', description: 'A team within a tenant' });
export const User = z.object({ id: z.string(), object: z.literal('user'), email: z.string(), created_at: z.string() }).meta({ id: 'User', description: 'A user account (it may belong to several tenants)' });
export const Membership = z.object({ object: z.literal('membership'), tenant_id: z.string(), org_id: z.string(), user_id: z.string(), role: z.string(), created_at: z.string() }).meta({ id: 'Membership', description: 'A user\'s role in an organization' });
export const Member = z.object({ object: z.literal('member'), user_id: z.string(), email: z.string(), role: z.enum(ROLES), created_at: z.string() }).meta({ id: 'Member', description: 'A member of the caller\'s organization' });

export const presentTenant = (t: TenantRow): z.infer<typeof Tenant> => ({
  id: t.id, object: 'tenant', name: t.name, slug: t.slug, status: t.status, api_rate_limit: t.api_rate_limit, created_at: t.created_at.toISOString(),
});
export const presentOrganization = (o: OrganizationRow): z.infer<typeof Organization> => ({ id: o.id, object: 'organization', tenant_id: o.tenant_id, name: o.name, created_at: o.created_at.toISOString() });
// Rows of users never hold the password hash (the runtime cannot read it).
export const presentUser = (u: UserRow): z.infer<typeof User> => ({ id: u.id, object: 'user', email: u.email, created_at: u.created_at.toISOString() });
export const presentMembership = (m: { tenant_id: string; org_id: string; user_id: string; role: string; created_at: Date }): z.infer<typeof Membership> =>
  ({ object: 'membership', tenant_id: m.tenant_id, org_id: m.org_id, user_id: m.user_id, role: m.role, created_at: m.created_at.toISOString() });
export const presentMember = (m: MemberRow): z.infer<typeof Member> =>
  ({ object: 'member', user_id: m.user_id, email: m.email, role: m.role, created_at: m.created_at.toISOString() });

/** GET /v1/tenant: the dashboard's "Tenant information". */
export const TenantInfo = z.object({
  id: z.string(), object: z.literal('tenant'), name: z.string(), slug: z.string(), status: z.enum(['active', 'suspended']), created_at: z.string(),
  organization: z.object({ id: z.string(), name: z.string() }),
  mode: z.enum(MODES),
  role: z.enum(ROLES).describe('The credential\'s role'),
}).meta({ id: 'TenantInfo', description: 'The credential\'s tenant, organization, mode and role' });

export function presentTenantInfo(info: { tenant: TenantRow; org: OrganizationRow; mode: (typeof MODES)[number]; role: (typeof ROLES)[number] | null }): z.infer<typeof TenantInfo> {
  const { tenant, org } = info;
  return {
    id: tenant.id, object: 'tenant', name: tenant.name, slug: tenant.slug, status: tenant.status, created_at: tenant.created_at.toISOString(),
    organization: { id: org.id, name: org.name }, mode: info.mode, role: info.role!,
  };
}

const UserMembershipSchema = z.object({ tenant_id: z.string(), tenant_name: z.string(), org_id: z.string(), org_name: z.string(), role: z.enum(ROLES) });

/** GET /v1/me: a user's token answers the user and its memberships; a key (or a key's token) the key. */
export const Me = z.union([
  z.object({ id: z.string(), email: z.string(), memberships: z.array(UserMembershipSchema) }),
  z.object({ key: z.object({ id: z.string(), name: z.string().nullable(), role: z.enum(ROLES).nullable(), mode: z.enum(MODES), org_id: z.string() }) }),
]).meta({ id: 'Me', description: 'The caller: a user and its memberships, or a key' });

export function presentMe(me: { user: UserRow; memberships: UserMembership[] } | { key: { id: string; name: string | null; role: (typeof ROLES)[number] | null; mode: string; org_id: string } }): z.infer<typeof Me> {
  if ('key' in me) return { key: { ...me.key, mode: me.key.mode as (typeof MODES)[number] } };
  return {
    id: me.user.id, email: me.user.email,
    memberships: me.memberships.map((m) => ({ tenant_id: m.tenant_id, tenant_name: m.tenant_name, org_id: m.org_id, org_name: m.org_name, role: m.role })),
  };
}

export const Domain = z.object({ object: z.literal('domain'), domain: z.string(), tenant_id: z.string(), created_at: z.string() }).meta({ id: 'Domain', description: 'A custom storefront domain of a tenant' });

export const presentDomain = (d: DomainRow): z.infer<typeof Domain> =>
  ({ object: 'domain', domain: d.domain, tenant_id: d.tenant_id, created_at: d.created_at.toISOString() });

export const Token = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() }).meta({ id: 'Token', description: 'A JWT access token (at most 15 minutes)' });
