// Dashboard sessions (DESIGN §1 "Session cookie"; docs/dashboard.md): an email and password give
// a session acting through one of the user's memberships in one mode. The cookie holds a random
// token; the database keeps only its SHA-256 (sql/050). A session dies with its membership and
// with a password change, as a login's token does, and after the idle and absolute timeouts.
// Every change of what it may do (another tenant, organization or mode; a new password) replaces
// it by a new id.
import { createHash, randomBytes } from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import {
  changePassword, endSession, insertSession, resolveSession, rotateSession, userMemberships, type SessionState, type UserMembership,
} from '../db/crossTenant.ts';
import { transaction, withTenant } from '../db/tenant.ts';
import { forbidden, notFound, unauthorized, unprocessable } from '../errors.ts';
import { isUuid } from '../ids.ts';
import type { Mode } from '../scope.ts';
import { recordAudit } from './audit.ts';
import type { Auth } from './credentials.ts';
import { passwordIsRight } from './members.ts';
import { hashPassword } from './passwords.ts';
import { LIMITS, rateLimit } from './rateLimits.ts';

/** A live session: who, and the membership and mode it acts through. */
export interface Session extends SessionState {
  /** The hash of the cookie's token: the row's id. */
  id: string;
}

/** What a new or replaced session gives the browser: the token for its cookie. */
export interface IssuedSession {
  token: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');
const newCsrf = () => randomBytes(24).toString('base64url');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function timeouts({ config }: ServiceContext) {
  return { idleSeconds: Math.round(config.sessionIdleMs / 1000), maxAgeSeconds: Math.round(config.sessionMaxAgeMs / 1000) };
}

/** The one answer to every failed sign-in, whatever failed. */
export const SIGN_IN_FAILED = 'invalid email or password';

/**
 * Email and password → a new session, acting through the user's first membership (by tenant and
 * organization name) in live mode. The session the browser held before, if any, is ended: a
 * sign-in always issues a new id. Rate-limited per email and per client address, one generic
 * error for an unknown email and a wrong password alike.
 */
export async function signIn(
  services: ServiceContext, input: { email: string; password: string; address: string; previousToken?: string },
): Promise<IssuedSession> {
  await rateLimit(services, LIMITS.dashboardSignIn, input.address);
  await rateLimit(services, LIMITS.login, input.email.toLowerCase());
  const userId = await passwordIsRight(services.pool, { email: input.email }, input.password);
  if (!userId) throw unauthorized(SIGN_IN_FAILED);
  if (input.previousToken) await signOut(services, input.previousToken);
  const [first] = await userMemberships(services.pool, userId);
  const token = newToken();
  const created = await insertSession(services.pool, {
    id: hashToken(token), userId, tenantId: first?.tenant_id ?? null, orgId: first?.org_id ?? null, mode: 'live', csrf: newCsrf(),
  }, services.clock.now(), timeouts(services));
  // The membership went between the two reads: as if the password had been wrong.
  if (!created) throw unauthorized(SIGN_IN_FAILED);
  return { token };
}

/** The live session a cookie's token names, or undefined. */
export async function sessionOf(services: ServiceContext, token: string | undefined): Promise<Session | undefined> {
  if (!token || !TOKEN_SHAPE.test(token)) return undefined;
  const id = hashToken(token);
  const state = await resolveSession(services.pool, id, services.clock.now(), timeouts(services).idleSeconds);
  return state && { ...state, id };
}

export async function signOut(services: ServiceContext, token: string): Promise<void> {
  if (TOKEN_SHAPE.test(token)) await endSession(services.pool, hashToken(token));
}

/** The tenant context a session's requests act with, as an API credential's would. */
export function sessionAuth(session: Session, address: string): Auth | undefined {
  if (!session.tenant_id || !session.org_id || !session.role) return undefined;
  return { tenantId: session.tenant_id, orgId: session.org_id, mode: session.mode, role: session.role, via: 'session', userId: session.user_id, address };
}

/** Every membership of the session's user: what the switcher offers. */
export async function membershipsOf(services: ServiceContext, session: Session): Promise<UserMembership[]> {
  return userMemberships(services.pool, session.user_id);
}

/**
 * Replaces the session by a new id acting through the user's membership of (tenant, org) in
 * `mode` (a switch of tenant, organization or mode). A tenant or organization the user is not a
 * member of is a 404, as one that does not exist.
 */
export async function switchSession(services: ServiceContext, session: Session, target: { tenantId: string; orgId: string; mode: Mode }): Promise<IssuedSession> {
  if (!isUuid(target.tenantId) || !isUuid(target.orgId)) throw notFound('no such organization');
  const token = newToken();
  const ok = await rotateSession(services.pool, session.id, {
    id: hashToken(token), tenantId: target.tenantId.toLowerCase(), orgId: target.orgId.toLowerCase(), mode: target.mode, csrf: newCsrf(),
  }, services.clock.now());
  if (!ok) throw notFound('no such organization');
  return { token };
}

/**
 * The signed-in user changes its password. Every token and session of the user made before stops
 * working (the credentials version moves on); this session goes on under a new id, in the same
 * transaction.
 */
export async function changeSessionPassword(
  services: ServiceContext, session: Session, input: { current_password: string; new_password: string }, address: string,
): Promise<IssuedSession> {
  await rateLimit(services, LIMITS.login, `user:${session.user_id}`);
  if (!(await passwordIsRight(services.pool, { userId: session.user_id }, input.current_password))) {
    throw unprocessable('the current password is wrong', [{ pointer: '/current_password', detail: 'does not match' }]);
  }
  const passwordHash = await hashPassword(input.new_password);
  const token = newToken();
  const change = async (tx: Parameters<typeof changePassword>[0]) => {
    await changePassword(tx, session.user_id, passwordHash, null);
    const kept = await rotateSession(tx, session.id, {
      id: hashToken(token), tenantId: session.tenant_id, orgId: session.org_id, mode: session.mode, csrf: newCsrf(),
    }, services.clock.now());
    if (!kept) throw forbidden('the session ended meanwhile; sign in again');
  };
  const auth = sessionAuth(session, address);
  if (auth) {
    await withTenant(services.pool, auth, async (tx) => {
      await change(tx);
      await recordAudit(tx, auth, { action: 'user.password_changed', target: { type: 'user', id: session.user_id } });
    });
  } else {
    await transaction(services.pool, change);
  }
  return { token };
}

/** The signed-in user re-enters its password before a secret is shown: a 422 at /password when wrong (rate-limited as logins are). */
export async function confirmPassword(services: ServiceContext, session: Session, password: string): Promise<void> {
  await rateLimit(services, LIMITS.login, `user:${session.user_id}`);
  if (!(await passwordIsRight(services.pool, { userId: session.user_id }, password))) {
    throw unprocessable('the password is wrong', [{ pointer: '/password', detail: 'that is not your password' }]);
  }
}
