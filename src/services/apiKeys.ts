// API keys: created by the operator for any org, or through the API by an admin/owner for its
// own org and mode with a role no higher than its own. The key is shown once, on create.
import { findApiKey, insertApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../db/apiKeys.ts';
import type { Pool } from '../db/pool.ts';
import { withTenant, type Mode } from '../db/tenant.ts';
import { forbidden, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { generateApiKey, roleAtLeast, type Auth, type KeyKind, type Role } from './credentials.ts';

export interface NewKey {
  name?: string;
  mode: Mode;
  kind: KeyKind;
  role?: Role;
}

export async function createKey(pool: Pool, scope: { tenantId: string; orgId: string }, input: NewKey): Promise<{ row: ApiKeyRow; key: string }> {
  const generated = generateApiKey(input.kind, input.mode);
  const row = await withTenant(pool, { tenantId: scope.tenantId, mode: input.mode }, (tx) =>
    insertApiKey(tx, {
      tenantId: scope.tenantId, id: newId('apiKey'), orgId: scope.orgId, mode: input.mode, kind: input.kind,
      role: input.kind === 'secret' ? (input.role ?? 'viewer') : null, name: input.name ?? null,
      hash: generated.hash, prefix: generated.prefix,
    }));
  return { row, key: generated.key };
}

export async function createKeyAs(pool: Pool, auth: Auth, input: NewKey) {
  if (input.mode !== auth.mode) throw forbidden(`a ${auth.mode}-mode credential can only create ${auth.mode}-mode keys`);
  if (input.kind === 'secret' && !roleAtLeast(auth.role, input.role ?? 'viewer')) {
    throw forbidden(`cannot create a key with a role above your own (${auth.role})`);
  }
  return createKey(pool, { tenantId: auth.tenantId, orgId: auth.orgId }, input);
}

export async function listKeys(pool: Pool, auth: Auth, page: { limit: number; startingAfter?: string }) {
  return withTenant(pool, auth, (tx) => listApiKeys(tx, { limit: page.limit + 1, startingAfter: page.startingAfter }));
}

export async function revokeKey(pool: Pool, auth: Auth, id: string): Promise<void> {
  if (!isId('apiKey', id)) throw notFound();
  await withTenant(pool, auth, async (tx) => {
    const key = await findApiKey(tx, id);
    if (!key) throw notFound();
    await revokeApiKey(tx, id);
  });
}
