// Operator surface (/admin/v1), authorised by HERALD_ADMIN_TOKEN.
import { presentApiKey, ApiKeyWithSecret } from '../../presenters/apiKeys.ts';
import { Membership, Organization, presentMembership, presentOrganization, presentTenant, presentUser, Tenant, User } from '../../presenters/tenants.ts';
import {
  addMembership, createOrganization, createTenant, createTenantKey, createUser, getTenant, listTenants, patchTenant,
} from '../../services/tenants.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { NewMembership, NewOrganization, NewTenant, NewTenantKey, NewUser, TenantPatch } from '../schemas/tenants.ts';
import { route } from '../route.ts';

const tag = 'operator';

export const adminRoutes = [
  route({
    method: 'post', path: '/admin/v1/tenants', summary: 'Create a tenant', tag, access: 'admin', body: NewTenant,
    response: { status: 201, schema: Tenant }, errors: [409],
    handle: async ({ body, services }) => ({ status: 201, body: presentTenant(await createTenant(services, body)) }),
  }),
  route({
    method: 'get', path: '/admin/v1/tenants', summary: 'List tenants', tag, access: 'admin', query: ListQuery,
    response: { status: 200, schema: listOf(Tenant) },
    handle: async ({ query, services }) => {
      const rows = await listTenants(services, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentTenant) };
    },
  }),
  route({
    method: 'get', path: '/admin/v1/tenants/:id', summary: 'Retrieve a tenant', tag, access: 'admin',
    response: { status: 200, schema: Tenant },
    handle: async ({ params, services }) => ({ status: 200, body: presentTenant(await getTenant(services, params.id)) }),
  }),
  route({
    method: 'patch', path: '/admin/v1/tenants/:id', summary: 'Suspend or reactivate a tenant, or set its API rate limit', tag, access: 'admin', body: TenantPatch,
    response: { status: 200, schema: Tenant },
    handle: async ({ params, body, services }) => ({ status: 200, body: presentTenant(await patchTenant(services, params.id, body)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/tenants/:id/organizations', summary: 'Create an organization', tag, access: 'admin', body: NewOrganization,
    response: { status: 201, schema: Organization },
    handle: async ({ params, body, services }) => ({ status: 201, body: presentOrganization(await createOrganization(services, params.id, body.name)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/users', summary: 'Create a user account', tag, access: 'admin', body: NewUser,
    response: { status: 201, schema: User }, errors: [409],
    handle: async ({ body, services }) => ({ status: 201, body: presentUser(await createUser(services, body)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/tenants/:id/memberships', summary: 'Add (or change) a member of an organization', tag, access: 'admin', body: NewMembership,
    response: { status: 201, schema: Membership }, errors: [409, 422],
    handle: async ({ params, body, http, services }) => ({ status: 201, body: presentMembership(await addMembership(services, params.id, body, http.ip)) }),
  }),
  route({
    method: 'post', path: '/admin/v1/tenants/:id/api-keys', summary: 'Create an API key for an organization', tag, access: 'admin', body: NewTenantKey,
    response: { status: 201, schema: ApiKeyWithSecret }, errors: [422],
    handle: async ({ params, body, http, services }) => {
      const { row, key } = await createTenantKey(services, params.id, body, http.ip);
      return { status: 201, body: { ...presentApiKey(row), key } };
    },
  }),
];
