// `herald` operator subcommands: the /admin/v1 actions from a shell, printing JSON. They work on
// the database directly (they join the running embedded server, or start it), through the same
// schemas and services as the HTTP routes, so they need no admin token.
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { ListQuery, toPage } from '../http/schemas/common.ts';
import { NewDomain, NewMembership, NewOrganization, NewTenant, NewTenantKey, NewUser, TenantPatch } from '../http/schemas/tenants.ts';
import { parseWith } from '../http/schemas/validate.ts';
import { presentApiKey } from '../presenters/apiKeys.ts';
import { presentDomain, presentMembership, presentOrganization, presentTenant, presentUser } from '../presenters/tenants.ts';
import { addDomain, removeDomain } from '../services/domains.ts';
import { addMembership, createOrganization, createTenant, createTenantKey, createUser, getTenant, listTenants, patchTenant } from '../services/tenants.ts';
import { flag, type Command, type Flag, type Parsed } from './command.ts';

/** The flags as the API's body: set ones only, kebab-case renamed to snake_case. */
export function bodyOf(flags: Parsed['flags'], integers: string[] = []): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([name, v]) => v !== undefined && name !== 'help')
    .map(([name, v]) => [name.replace(/-/g, '_'), integers.includes(name) ? Number(v) : v]));
}

const parse = <T>(schema: z.ZodType<T>, input: unknown) => parseWith(schema, input);
const TENANT = ['TENANT_ID'];
const ROLE = 'viewer|developer|admin|owner';

export const OPERATOR_COMMANDS: Command<ServiceContext>[] = [
  {
    name: 'tenants:create', summary: 'Create a tenant', flags: { name: flag('NAME', 'The shop\'s name', true), slug: flag('SLUG', 'Default: derived from the name') },
    run: async (services, { flags }) => presentTenant(await createTenant(services, parse(NewTenant, bodyOf(flags)))),
  },
  {
    name: 'tenants:list', summary: 'List tenants, newest first',
    flags: { limit: { value: 'N', description: '1 to 100 (default 20)', integer: true }, 'starting-after': flag('TENANT_ID', 'The next_cursor of the previous page') },
    run: async (services, { flags }) => {
      const query = parse(ListQuery, { limit: flags.limit, starting_after: flags['starting-after'] });
      const rows = await listTenants(services, { limit: query.limit, startingAfter: query.starting_after });
      return toPage(rows, query.limit, presentTenant);
    },
  },
  { name: 'tenants:get', summary: 'Show a tenant', args: TENANT, run: async (services, { args }) => presentTenant(await getTenant(services, args[0])) },
  {
    name: 'tenants:suspend', summary: 'Suspend a tenant: its credentials get 403 until it is activated', args: TENANT,
    run: async (services, { args }) => presentTenant(await patchTenant(services, args[0], { status: 'suspended' })),
  },
  {
    name: 'tenants:activate', summary: 'Activate a suspended tenant', args: TENANT,
    run: async (services, { args }) => presentTenant(await patchTenant(services, args[0], { status: 'active' })),
  },
  {
    name: 'tenants:update', summary: 'Change a tenant\'s status or API rate limit', args: TENANT,
    flags: { status: flag('active|suspended', 'The tenant\'s status'), 'api-rate-limit': { value: 'REQUESTS_PER_SECOND', description: 'Requests per second across every API process', integer: true } },
    run: async (services, { args, flags }) => presentTenant(await patchTenant(services, args[0], parse(TenantPatch, bodyOf(flags, ['api-rate-limit'])))),
  },
  {
    name: 'organizations:create', summary: 'Create an organization (team) in a tenant', args: TENANT, flags: { name: flag('NAME', 'The organization\'s name', true) },
    run: async (services, { args, flags }) => presentOrganization(await createOrganization(services, args[0], parse(NewOrganization, bodyOf(flags)).name)),
  },
  {
    name: 'users:create', summary: 'Create a user account',
    flags: { email: flag('EMAIL', 'The login', true), password: flag('PASSWORD', 'At least 12 characters', true) },
    run: async (services, { flags }) => presentUser(await createUser(services, parse(NewUser, bodyOf(flags)))),
  },
  {
    name: 'memberships:add', summary: 'Add a user to an organization with a role (or change the role)', args: TENANT,
    flags: { 'user-id': flag('USER_ID', 'The user', true), 'org-id': flag('ORG_ID', 'The organization', true), role: flag(ROLE, 'The role', true) },
    run: async (services, { args, flags }) => presentMembership(await addMembership(services, args[0], parse(NewMembership, bodyOf(flags)))),
  },
  {
    name: 'api-keys:create', summary: 'Create an API key for an organization of any tenant (the key is shown once)', args: TENANT,
    flags: {
      'org-id': flag('ORG_ID', 'The organization', true), mode: flag('live|test', 'The key\'s mode', true), kind: flag('secret|publishable', 'The kind of key', true),
      role: flag(ROLE, 'For secret keys (default viewer)'), name: flag('NAME', 'A label'),
    },
    run: async (services, { args, flags }) => {
      const { row, key } = await createTenantKey(services, args[0], parse(NewTenantKey, bodyOf(flags)));
      return { ...presentApiKey(row), key };
    },
  },
  {
    name: 'domains:add', summary: 'Register a custom storefront domain for a tenant', args: TENANT, flags: { domain: flag('DOMAIN', 'e.g. shop.example.com', true) },
    run: async (services, { args, flags }) => presentDomain(await addDomain(services, args[0], parse(NewDomain, bodyOf(flags)).domain)),
  },
  {
    name: 'domains:remove', summary: 'Remove a tenant\'s custom storefront domain', args: TENANT, flags: { domain: flag('DOMAIN', 'e.g. shop.example.com', true) },
    run: async (services, { args, flags }) => ({ ...presentDomain(await removeDomain(services, args[0], parse(NewDomain, bodyOf(flags)).domain)), deleted: true }),
  },
];
