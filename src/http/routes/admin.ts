// Operator surface (/admin/v1), authorised by HERALD_ADMIN_TOKEN.
import { z } from 'zod';
import { listTenants } from '../../db/tenants.ts';
import { addMembership, createOrganization, createTenant, createTenantKey, createUser, getTenant, setTenantStatus } from '../../services/tenants.ts';
import { presentApiKey, ApiKeyWithSecret } from '../presenters/apiKeys.ts';
import { Membership, Organization, presentMembership, presentOrganization, presentTenant, presentUser, Tenant, User } from '../presenters/tenants.ts';
import { listOf, ListQuery, Mode, Role, toPage, Uuid } from '../schemas/common.ts';
import { route } from '../route.ts';

const Slug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and inner hyphens, at most 63');
export const NewTenant = z.strictObject({ name: z.string().trim().min(1).max(200), slug: Slug.optional() });
export const TenantPatch = z.strictObject({ status: z.enum(['active', 'suspended']) });
export const NewOrganization = z.strictObject({ name: z.string().trim().min(1).max(200) });
export const NewUser = z.strictObject({ email: z.email().max(320), password: z.string().min(12).max(1024) });
export const NewMembership = z.strictObject({ user_id: Uuid, org_id: Uuid, role: Role });
export const NewTenantKey = z.strictObject({
  org_id: Uuid, mode: Mode, kind: z.enum(['secret', 'publishable']), role: Role.optional(), name: z.string().max(200).optional(),
});

const tag = 'operator';

export const adminRoutes = [
  route({
    method: 'post', path: '/admin/v1/tenants', summary: 'Create a tenant', tag, access: 'admin', body: NewTenant,
    response: { status: 201, schema: Tenant }, errors: [409],
    handle: async ({ body, deps }) => ({ status: 201, body: presentTenant(await createTenant(deps.pool, body)) }),
  }),
  route({
    method: 'get', path: '/admin/v1/tenants', summary: 'List tenants', tag, access: 'admin', query: ListQuery,
    response: { status: 200, schema: listOf(Tenant) },
    handle: async ({ query, deps }) => {
      const rows = await listTenants(deps.pool, { limit: query.limit + 1, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentTenant) };
    },
  }),
  route({
    method: 'get', path: '/admin/v1/tenants/:id', summary: 'Retrieve a tenant', tag, access: 'admin',
    response: { status: 200, schema: Tenant },
    handle: async ({ params, deps }) => ({ status: 200, body: presentTenant(await getTenant(deps.pool, params.id)) }),
  }),
  route({
    method: 'patch', path: '/admin/v1/tenants/:id', summary: 'Suspend or reactivate a tenant', tag, access: 'admin', body: TenantPatch,
    response: { status: 200, schema: Tenant },
    handle: async ({ params, body, deps }) => ({ status: 200, body: presentTenant(await setTenantStatus(deps.pool, params.id, body.status)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/tenants/:id/organizations', summary: 'Create an organization', tag, access: 'admin', body: NewOrganization,
    response: { status: 201, schema: Organization },
    handle: async ({ params, body, deps }) => ({ status: 201, body: presentOrganization(await createOrganization(deps.pool, params.id, body.name)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/users', summary: 'Create a user account', tag, access: 'admin', body: NewUser,
    response: { status: 201, schema: User }, errors: [409],
    handle: async ({ body, deps }) => ({ status: 201, body: presentUser(await createUser(deps.pool, body)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/tenants/:id/memberships', summary: 'Add (or change) a member of an organization', tag, access: 'admin', body: NewMembership,
    response: { status: 201, schema: Membership }, errors: [422],
    handle: async ({ params, body, deps }) => ({ status: 201, body: presentMembership(await addMembership(deps.pool, params.id, body)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/tenants/:id/api-keys', summary: 'Create an API key for an organization', tag, access: 'admin', body: NewTenantKey,
    response: { status: 201, schema: ApiKeyWithSecret }, errors: [422],
    handle: async ({ params, body, deps }) => {
      const { row, key } = await createTenantKey(deps.pool, params.id, body);
      return { status: 201, body: { ...presentApiKey(row), key } };
    },
  }),
];
