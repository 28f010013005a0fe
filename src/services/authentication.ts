// A bearer credential → the tenant context it carries (DESIGN §1), or a 401/403: secret and
// publishable API keys (looked up by hash before the tenant is known) and JWT access tokens.
import type { ServiceContext } from '../context.ts';
import { isApiKeyRevoked, touchApiKey } from '../db/apiKeys.ts';
import { resolveApiKey } from '../db/crossTenant.ts';
import { tenantStatus } from '../db/tenants.ts';
import { withTenant } from '../db/tenant.ts';
import { forbidden, unauthorized } from '../errors.ts';
import type { Mode, Role } from '../scope.ts';
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

async function authenticateJwt(token: string, services: ServiceContext): Promise<Auth> {
  const check = verifyToken(token, services.config.jwtSecret);
  if (!check.ok) throw unauthorized(check.reason);
  const c = check.claims;
  const { status, revoked } = await withTenant(services.pool, { tenantId: c.tenant_id, mode: c.mode }, async (tx) => ({
    status: await tenantStatus(tx, c.tenant_id),
    revoked: c.key_id ? await isApiKeyRevoked(tx, c.key_id) : false,
  }));
  if (!status) throw unauthorized('unknown tenant');
  if (revoked) throw unauthorized('the API key this token was minted from is revoked');
  if (status !== 'active') throw forbidden('tenant suspended');
  return {
    tenantId: c.tenant_id, orgId: c.org_id, mode: c.mode, role: c.role, via: 'jwt',
    keyId: c.key_id, userId: c.key_id ? undefined : c.sub,
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
    withTenant(services.pool, { tenantId, mode }, (tx) => touchApiKey(tx, keyId)).catch((err) =>
      services.logger.warn({ err, tenant_id: tenantId }, 'could not record api key use'));
  });
}

