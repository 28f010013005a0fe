import { z } from 'zod';
import type { DomainRow } from '../db/domains.ts';
import type { MembershipRow, OrganizationRow, TenantRow, UserRow } from '../db/tenants.ts';

export const Tenant = z.object({ id: z.string(), object: z.literal('tenant'), name: z.string(), slug: z.string(), status: z.enum(['active', 'suspended']), created_at: z.string() });
export const Organization = z.object({ id: z.string(), object: z.literal('organization'), tenant_id: z.string(), name: z.string(), created_at: z.string() });
export const User = z.object({ id: z.string(), object: z.literal('user'), email: z.string(), created_at: z.string() });
export const Membership = z.object({ object: z.literal('membership'), tenant_id: z.string(), org_id: z.string(), user_id: z.string(), role: z.string(), created_at: z.string() });

export const presentTenant = (t: TenantRow): z.infer<typeof Tenant> => ({ id: t.id, object: 'tenant', name: t.name, slug: t.slug, status: t.status, created_at: t.created_at.toISOString() });
export const presentOrganization = (o: OrganizationRow): z.infer<typeof Organization> => ({ id: o.id, object: 'organization', tenant_id: o.tenant_id, name: o.name, created_at: o.created_at.toISOString() });
// The password hash never leaves.
export const presentUser = (u: UserRow): z.infer<typeof User> => ({ id: u.id, object: 'user', email: u.email, created_at: u.created_at.toISOString() });
export const presentMembership = (m: MembershipRow): z.infer<typeof Membership> => ({ object: 'membership', tenant_id: m.tenant_id, org_id: m.org_id, user_id: m.user_id, role: m.role, created_at: m.created_at.toISOString() });

export const Domain = z.object({ object: z.literal('domain'), domain: z.string(), tenant_id: z.string(), created_at: z.string() });

export const presentDomain = (d: DomainRow): z.infer<typeof Domain> =>
  ({ object: 'domain', domain: d.domain, tenant_id: d.tenant_id, created_at: d.created_at.toISOString() });

export const Token = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() });
