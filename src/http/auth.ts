// Turns the Authorization header into a tenant context, or a 401/403 (DESIGN §1).
import type { Context } from 'koa';
import type { ServiceContext } from '../context.ts';
import { clientAddressKey } from '../net/host.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { roleAtLeast, type Role } from '../scope.ts';
import { authenticateCredential } from '../services/authentication.ts';
import { safeEqual, type Auth } from '../services/credentials.ts';
import { countFailure, LIMITS, refuseWhenSpent } from '../services/rateLimits.ts';

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
  return authenticateCredential(services, bearerToken(ctx));
}

export function requireAccess(auth: Auth, access: TenantAccess): void {
  if (auth.via === 'publishable_key') {
    if (!access.publishable) throw forbidden('publishable keys may only list and read active products');
    return;
  }
  if (!roleAtLeast(auth.role, access.role)) throw forbidden(`requires the ${access.role} role or higher`);
}

/**
 * The operator token. Wrong ones are logged and counted per client address (across processes);
 * an address that has guessed wrong too often gets 429 until its window ends, its token unread.
 */
export async function authenticateAdmin(ctx: Context, services: ServiceContext): Promise<void> {
  const client = clientAddressKey(ctx.ip);
  await refuseWhenSpent(services, LIMITS.adminFailures, client);
  const token = bearerToken(ctx);
  if (safeEqual(token, services.config.adminToken)) return;
  services.logger.warn({ msg: 'admin.auth_failed', request_id: ctx.state.requestId, client_address: ctx.ip, method: ctx.method, path: ctx.path });
  await countFailure(services, LIMITS.adminFailures, client);
  throw unauthorized('invalid admin token');
}
