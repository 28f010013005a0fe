// Turns the Authorization header into a tenant context, or a 401/403 (DESIGN §1).
import type { Context } from 'koa';
import type { Config } from '../config.ts';
import type { ServiceContext } from '../context.ts';
import { isApiKeyRevoked, touchApiKey } from '../db/apiKeys.ts';
import { resolveApiKey } from '../db/crossTenant.ts';
import { tenantStatus } from '../db/tenants.ts';
import { withTenant } from '../db/tenant.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { roleAtLeast, type Mode, type Role } from '../scope.ts';
import { hashApiKey, looksLikeApiKey, safeEqual, verifyToken, type Auth } from '../services/credentials.ts';

/** Who may call a route beyond the public and the operator: a role, and whether publishable keys may. */
export interface TenantAccess {
  role: Role;
  publishable?: boolean;
}

export function bearerToken(ctx: Context): string {
  const header = ctx.get('authorization');
  if (!header) throw unauthorized('missing credential: send Authorization: Bearer <key or token>');
  const m = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!m) throw unauthorized('malformed Authorization header: expected "Bearer <key or token>"');
  return m[1];
}

export async function authenticate(ctx: Context, services: ServiceContext): Promise<Auth> {
  const token = bearerToken(ctx);
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

export function requireAccess(auth: Auth, access: TenantAccess): void {
  if (auth.via === 'publishable_key') {
    if (!access.publishable) throw forbidden('publishable keys may only list and read active products');
    return;
  }
  if (!roleAtLeast(auth.role, access.role)) throw forbidden(`requires the ${access.role} role or higher`);
}

export function authenticateAdmin(ctx: Context, config: Config): void {
  const token = bearerToken(ctx);
  if (!safeEqual(token, config.adminToken)) throw unauthorized('invalid admin token');
}
