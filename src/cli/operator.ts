// `herald` operator subcommands: the /admin/v1 actions from a shell, printing JSON. They go
// through the same schemas and services as the HTTP routes.
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { NewDomain, NewMembership, NewOrganization, NewTenant, NewTenantKey, NewUser, TenantPatch } from '../http/schemas/tenants.ts';
import { parseWith } from '../http/schemas/validate.ts';
import { presentApiKey } from '../presenters/apiKeys.ts';
import { presentDomain, presentMembership, presentOrganization, presentTenant, presentUser } from '../presenters/tenants.ts';
import { addDomain, removeDomain } from '../services/domains.ts';
import { addMembership, createOrganization, createTenant, createTenantKey, createUser, getTenant, patchTenant } from '../services/tenants.ts';

type Command = { usage: string; run(services: ServiceContext, args: string[]): Promise<unknown> };

function flags(args: string[], names: string[]): { positionals: string[]; values: Record<string, string | undefined> } {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
  });
  return { positionals, values: values as Record<string, string | undefined> };
}

/** Drops unset flags and renames kebab-case to the API's snake_case. */
function bodyOf(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k.replace(/-/g, '_'), v!]));
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new HttpError(400, 'Bad Request', `expected exactly one ${what}`);
  return positionals[0];
}

const parse = <T>(schema: z.ZodType<T>, input: unknown) => parseWith(schema, input);

export const COMMANDS: Record<string, Command> = {
  'tenants:create': {
    usage: 'tenants:create --name NAME [--slug SLUG]',
    run: async (services, args) => presentTenant(await createTenant(services, parse(NewTenant, bodyOf(flags(args, ['name', 'slug']).values)))),
  },
  'tenants:get': {
    usage: 'tenants:get TENANT_ID',
    run: async (services, args) => presentTenant(await getTenant(services, one(flags(args, []).positionals, 'tenant id'))),
  },
  'tenants:suspend': {
    usage: 'tenants:suspend TENANT_ID',
    run: async (services, args) => presentTenant(await patchTenant(services, one(flags(args, []).positionals, 'tenant id'), { status: 'suspended' })),
  },
  'tenants:activate': {
    usage: 'tenants:activate TENANT_ID',
    run: async (services, args) => presentTenant(await patchTenant(services, one(flags(args, []).positionals, 'tenant id'), { status: 'active' })),
  },
  'tenants:update': {
    usage: 'tenants:update TENANT_ID [--status active|suspended] [--api-rate-limit REQUESTS_PER_SECOND]',
    run: async (services, args) => {
      const { positionals, values } = flags(args, ['status', 'api-rate-limit']);
      const { api_rate_limit: limit, ...rest } = bodyOf(values);
      const patch = parse(TenantPatch, { ...rest, ...(limit === undefined ? {} : { api_rate_limit: /^\d+$/.test(limit) ? Number(limit) : limit }) });
      return presentTenant(await patchTenant(services, one(positionals, 'tenant id'), patch));
    },
  },
  'organizations:create': {
    usage: 'organizations:create TENANT_ID --name NAME',
    run: async (services, args) => {
      const { positionals, values } = flags(args, ['name']);
      return presentOrganization(await createOrganization(services, one(positionals, 'tenant id'), parse(NewOrganization, bodyOf(values)).name));
    },
  },
  'users:create': {
    usage: 'users:create --email EMAIL --password PASSWORD',
    run: async (services, args) => presentUser(await createUser(services, parse(NewUser, bodyOf(flags(args, ['email', 'password']).values)))),
  },
  'memberships:add': {
    usage: 'memberships:add TENANT_ID --user-id USER_ID --org-id ORG_ID --role viewer|developer|admin|owner',
    run: async (services, args) => {
      const { positionals, values } = flags(args, ['user-id', 'org-id', 'role']);
      return presentMembership(await addMembership(services, one(positionals, 'tenant id'), parse(NewMembership, bodyOf(values))));
    },
  },
  'api-keys:create': {
    usage: 'api-keys:create TENANT_ID --org-id ORG_ID --mode live|test --kind secret|publishable [--role ROLE] [--name NAME]',
    run: async (services, args) => {
      const { positionals, values } = flags(args, ['org-id', 'mode', 'kind', 'role', 'name']);
      const { row, key } = await createTenantKey(services, one(positionals, 'tenant id'), parse(NewTenantKey, bodyOf(values)));
      return { ...presentApiKey(row), key };
    },
  },
  'domains:add': {
    usage: 'domains:add TENANT_ID --domain DOMAIN',
    run: async (services, args) => {
      const { positionals, values } = flags(args, ['domain']);
      const { domain } = parse(NewDomain, bodyOf(values));
      return presentDomain(await addDomain(services, one(positionals, 'tenant id'), domain));
    },
  },
  'domains:remove': {
    usage: 'domains:remove TENANT_ID --domain DOMAIN',
    run: async (services, args) => {
      const { positionals, values } = flags(args, ['domain']);
      const { domain } = parse(NewDomain, bodyOf(values));
      return { ...presentDomain(await removeDomain(services, one(positionals, 'tenant id'), domain)), deleted: true };
    },
  },
};

export function operatorUsage(): string {
  return Object.values(COMMANDS).map((c) => `  herald ${c.usage}`).join('\n');
}

/** Runs one subcommand; prints its JSON result, or a problem document and exit code 1. */
export async function runOperatorCommand(services: ServiceContext, name: string, args: string[]): Promise<number> {
  try {
    const result = await COMMANDS[name].run(services, args);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof HttpError) {
      process.stderr.write(`${JSON.stringify({ status: err.status, title: err.title, detail: err.message, errors: err.errors }, null, 2)}\n`);
      return 1;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${err.message}\nusage: herald ${COMMANDS[name].usage}\n`);
      return 2;
    }
    throw err;
  }
}
