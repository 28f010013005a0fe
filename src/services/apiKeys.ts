// API keys: created by the operator for any org, or through the API by an admin/owner for its
// own org and mode with a role no higher than its own. A key belongs to one organization: a
// credential lists and revokes only its own organization's keys (another's id is a 404), and
// revokes only keys whose role is no higher than its own. The key is shown once, on create.
import { findApiKey, insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../db/apiKeys.ts';
import type { ServiceContext } from '../context.ts';
import { withTenant } from '../db/tenant.ts';
import { type Mode } from '../scope.ts';
import { forbidden } from '../errors.ts';
import { newId } from '../ids.ts';
import { roleAtLeast, type Role } from '../scope.ts';
import { recordAudit, type Actor } from './audit.ts';
import { generateApiKey, type Auth, type KeyKind } from './credentials.ts';
import { findOr404 } from './resources.ts';

export interface NewKey {
  name?: string;
  mode: Mode;
  kind: KeyKind;
  role?: Role;
}

/** `actor` (the audit log's who): the operator or the credential creating it; none for tools such as the benchmark. */
export async function createKey({ pool }: ServiceContext, scope: { tenantId: string; orgId: string }, input: NewKey, actor?: Actor): Promise<{ row: ApiKeyRow; key: string }> {
  const generated = generateApiKey(input.kind, input.mode);
  const row = await withTenant(pool, { tenantId: scope.tenantId, mode: input.mode }, async (tx) => {
    const row = await insertApiKey(tx, {
      tenantId: scope.tenantId, id: newId('apiKey'), orgId: scope.orgId, mode: input.mode, kind: input.kind,
      role: input.kind === 'secret' ? (input.role ?? 'viewer') : null, name: input.name ?? null,
      hash: generated.hash, prefix: generated.prefix,
    });
    if (actor) {
      await recordAudit(tx, actor, { action: 'api_key.created', target: { type: 'api_key', id: row.id }, data: { name: row.name, kind: row.kind, role: row.role, mode: row.mode } });
    }
    return row;
  });
  return { row, key: generated.key };
}

export async function createKeyAs(services: ServiceContext, auth: Auth, input: NewKey) {
  if (input.mode !== auth.mode) throw forbidden(`a ${auth.mode}-mode credential can only create ${auth.mode}-mode keys`);
  if (input.kind === 'secret' && !roleAtLeast(auth.role, input.role ?? 'viewer')) {
    throw forbidden(`cannot create a key with a role above your own (${auth.role})`);
  }
  return createKey(services, { tenantId: auth.tenantId, orgId: auth.orgId }, input, auth);
}

export async function listKeys({ pool }: ServiceContext, auth: Auth, page: { limit: number; startingAfter?: string }) {
  return withTenant(pool, auth, (tx) => listApiKeys(tx, auth, { limit: page.limit + 1, startingAfter: page.startingAfter }));
}

export async function revokeKey({ pool }: ServiceContext, auth: Auth, id: string): Promise<void> {
  await withTenant(pool, auth, async (tx) => {
    const key = await findOr404('apiKey', id, (id) => findApiKey(tx, auth, id));
    // A publishable key (no role) is below every role.
    if (key.role && !roleAtLeast(auth.role, key.role as Role)) throw forbidden(`cannot revoke a key whose role (${key.role}) is above your own (${auth.role})`);
    if (key.revoked_at) return;
    await revokeApiKey(tx, auth, id);
    await recordAudit(tx, auth, { action: 'api_key.revoked', target: { type: 'api_key', id }, data: { name: key.name, kind: key.kind, role: key.role } });
  });
}
