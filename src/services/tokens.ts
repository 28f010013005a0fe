// POST /v1/auth/token: JWT access tokens from a secret key or from a user's login.
import type { ServiceContext } from '../context.ts';
import { findMembership, findUserByEmail, tenantStatus } from '../db/tenants.ts';
import type { Mode } from '../scope.ts';
import { forbidden, unauthorized } from '../errors.ts';
import type { Role } from '../scope.ts';
import { mintToken, type Auth } from './credentials.ts';
import { DUMMY_HASH, verifyPassword } from './passwords.ts';

export function tokenForKey(auth: Auth, jwtSecret: string) {
  if (auth.via === 'publishable_key') throw forbidden('publishable keys cannot obtain tokens');
  if (auth.via === 'jwt') throw forbidden('tokens are issued from a secret key or a login, not from another token');
  return mintToken({ tenant_id: auth.tenantId, org_id: auth.orgId, sub: auth.keyId!, role: auth.role!, mode: auth.mode, key_id: auth.keyId }, jwtSecret);
}

export interface Login {
  email: string;
  password: string;
  tenant_id: string;
  org_id: string;
  mode: Mode;
}

export async function tokenForLogin({ pool, config }: ServiceContext, login: Login) {
  const jwtSecret = config.jwtSecret;
  const user = await findUserByEmail(pool, login.email);
  const ok = await verifyPassword(login.password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) throw unauthorized('invalid email or password');
  const membership = await findMembership(pool, login.tenant_id, login.org_id, user.id);
  if (!membership) throw forbidden('not a member of this organization');
  if ((await tenantStatus(pool, login.tenant_id)) !== 'active') throw forbidden('tenant suspended');
  return mintToken({ tenant_id: login.tenant_id, org_id: login.org_id, sub: user.id, role: membership.role as Role, mode: login.mode }, jwtSecret);
}
