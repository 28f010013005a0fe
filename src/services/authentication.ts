// A bearer credential → the tenant context it carries (DESIGN §1), or a 401/403: secret and
// publishable API keys (looked up by hash before the tenant is known) and JWT access tokens.
import type { ServiceContext } from '../context.ts';
import { touchApiKey } from '../db/apiKeys.ts';
import { resolveApiKey, resolveToken } from '../db/crossTenant.ts';
import { withTenant } from '../db/tenant.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { ROLES, type Mode, type Role } from '../scope.ts';
import { hashApiKey, looksLikeApiKey, verifyToken, type Auth } from './credentials.ts';

export async function authenticateCredential(services: ServiceContext, token: string): Promise<Auth> {
  if (looksLikeApiKey(token)) return authenticateKey(token, services);
  if (token.startsWith('eyJ')) return authenticateJwt(token, services);
  throw unauthorized('malformed credential');
}

async function authenticateKey(token: string, services: ServiceContext): Promise<Auth> {
  const key = await resolveApiKey(services.pool, hashApiKey(token));
  if (!key) throw unauthorized('unknown API key');
  if (key.revoked) throw unauthorized('API key revoked');
  if (key.tenant_status !== 'active') throw forbidden('tenant suspended');
  touchLater(services, key.tenant_id, key.mode, key.key_id);
  return {
    tenantId: key.tenant_id,
    orgId: key.org_id,
    mode: key.mode,
    role: key.kind === 'secret' ? (key.role as Role) : null,
    via: key.kind === 'secret' ? 'secret_key' : 'publishable_key',
    keyId: key.key_id,
  };
}

/**
 * A JWT is checked on every use against what it was issued for, in one round trip: its
 * organization belongs to its tenant; a key's token dies with the key; a login's token dies with
 * the membership it was issued for (a membership removed and added again is another one: old
 * tokens stay dead) and with a password change, except the token that made it. A
 * login's token acts with the lower of its role and the membership's role now.
 */
async function authenticateJwt(token: string, services: ServiceContext): Promise<Auth> {
  const check = verifyToken(token, services.config.jwtSecret, services.clock.now());
  if (!check.ok) throw unauthorized(check.reason);
  const c = check.claims;
  const state = await resolveToken(services.pool, { tenantId: c.tenant_id, orgId: c.org_id, userId: c.key_id ? undefined : c.sub, keyId: c.key_id });
  if (!state) throw unauthorized('unknown tenant or organization');
  let role = c.role;
  if (c.key_id) {
    if (state.key_revoked) throw unauthorized('the API key this token was minted from is revoked');
  } else {
    if (!state.member_role || state.membership_id !== c.mid) throw unauthorized('the membership this token was issued for has ended');
    if (c.cv !== state.credentials_version && !(c.jti && c.jti === state.kept_token)) throw unauthorized('the password changed since this token was issued');
    role = ROLES[Math.min(ROLES.indexOf(c.role), ROLES.indexOf(state.member_role))];
  }
  if (state.tenant_status !== 'active') throw forbidden('tenant suspended');
  return {
    tenantId: c.tenant_id, orgId: c.org_id, mode: c.mode, role, via: 'jwt',
    keyId: c.key_id, userId: c.key_id ? undefined : c.sub, tokenId: c.jti,
  };
}

// last_used_at: at most once a minute per key and process, outside the request's transaction.
const lastTouched = new Map<string, number>();
function touchLater(services: ServiceContext, tenantId: string, mode: Mode, keyId: string): void {
  const now = Date.now();
  if ((lastTouched.get(keyId) ?? 0) > now - 60_000) return;
  lastTouched.set(keyId, now);
  if (lastTouched.size > 100_000) lastTouched.clear();
  setImmediate(() => {
    withTenant(services.pool, { tenantId, mode }, (tx) => touchApiKey(tx, { tenantId, mode }, keyId)).catch((err) =>
      services.logger.warn({ err, tenant_id: tenantId }, 'could not record api key use'));
  });
}
