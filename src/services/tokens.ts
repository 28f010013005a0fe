// POST /v1/auth/token: JWT access tokens from a secret key or from a user's login.
import type { ServiceContext } from '../context.ts';
import { resolveToken } from '../db/crossTenant.ts';
import type { Mode } from '../scope.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { mintToken, type Auth } from './credentials.ts';
import { passwordIsRight } from './members.ts';

export function tokenForKey({ config, clock }: ServiceContext, auth: Auth) {
  if (auth.via === 'publishable_key') throw forbidden('publishable keys cannot obtain tokens');
  if (auth.via === 'jwt') throw forbidden('tokens are issued from a secret key or a login, not from another token');
  return mintToken({ tenant_id: auth.tenantId, org_id: auth.orgId, sub: auth.keyId!, role: auth.role!, mode: auth.mode, key_id: auth.keyId }, config.jwtSecret, clock.now());
}

export interface Login {
  email: string;
  password: string;
  tenant_id: string;
  org_id: string;
  mode: Mode;
}

/** A token for the membership of the user in the organization, carrying the user's credentials version. */
export async function tokenForLogin(services: ServiceContext, login: Login) {
  const { pool, config, clock } = services;
  const userId = await passwordIsRight(pool, { email: login.email }, login.password);
  if (!userId) throw unauthorized('invalid email or password');
  const state = await resolveToken(pool, { tenantId: login.tenant_id, orgId: login.org_id, userId });
  if (!state?.member_role) throw forbidden('not a member of this organization');
  if (state.tenant_status !== 'active') throw forbidden('tenant suspended');
  return mintToken({
    tenant_id: login.tenant_id, org_id: login.org_id, sub: userId, role: state.member_role, mode: login.mode,
    mid: state.membership_id!, cv: state.credentials_version!,
  }, config.jwtSecret, clock.now());
}
