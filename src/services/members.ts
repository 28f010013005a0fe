// Members of an organization (DESIGN §1, §4): users with a role in it. An owner adds, changes and
// removes its own organization's members (admins may list them), never above its own role, and
// the organization keeps at least one owner. A member of another organization is a 404. Also the
// caller's own view (GET /v1/me) and a user's password change.
import type { ServiceContext } from '../context.ts';
import { findApiKey } from '../db/apiKeys.ts';
import {
  changePassword, insertUser, listMembers, memberById, passwordMatches, passwordParams, putMembership, removeMembership, userById,
  userByEmail, userMemberships, type MembershipOutcome, type MemberRow, type UserMembership, type UserRow,
} from '../db/crossTenant.ts';
import { withTenant } from '../db/tenant.ts';
import { conflict, isUniqueViolation, forbidden, notFound, unprocessable } from '../errors.ts';
import { isUuid, newUuid } from '../ids.ts';
import { roleAtLeast, type Role } from '../scope.ts';
import { recordAudit } from './audit.ts';
import type { Auth } from './credentials.ts';
import { derive, DUMMY_PARAMS, hashPassword } from './passwords.ts';

/** Turns a refused membership change into its answer; does nothing for a change that happened. */
export function membershipConflict(outcome: MembershipOutcome): void {
  switch (outcome) {
    case 'exists': throw conflict('this user is already a member of the organization; change its role with PATCH');
    case 'missing': throw notFound('no such member');
    case 'above_role': throw forbidden('cannot change a member whose role is above your own');
    case 'last_owner': throw conflict('the organization must keep at least one owner: make another member owner first');
    default:
  }
}

function notAbove(auth: Auth, role: Role): void {
  if (!roleAtLeast(auth.role, role)) throw forbidden(`cannot give a role above your own (${auth.role})`);
}

/** The member's user id as stored (lowercase), or a 404 for anything that is not a UUID. */
function memberId(id: string): string {
  if (!isUuid(id)) throw notFound('no such member');
  return id.toLowerCase();
}

/** Newest first; returns up to limit + 1 rows. */
export async function listMembersOf({ pool }: ServiceContext, auth: Auth, page: { limit: number; startingAfter?: string }): Promise<MemberRow[]> {
  if (page.startingAfter !== undefined && !isUuid(page.startingAfter)) return [];
  return listMembers(pool, auth, { limit: page.limit + 1, startingAfter: page.startingAfter?.toLowerCase() });
}

export interface NewMember {
  email: string;
  role: Role;
  password?: string;
}

/**
 * Adds an existing user by email, or creates the user when `password` is given. A password for an
 * existing email is a 409 (no password ever changes here); an unknown email without one is a 422.
 */
export async function addMember({ pool }: ServiceContext, auth: Auth, input: NewMember): Promise<MemberRow> {
  notAbove(auth, input.role);
  const existing = await userByEmail(pool, input.email);
  if (existing && input.password !== undefined) throw conflict('a user with this email exists: add them without a password');
  if (!existing && input.password === undefined) {
    throw unprocessable('no user has this email: give a password to create one', [{ pointer: '/email', detail: 'no user has this email' }]);
  }
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  try {
    return await withTenant(pool, auth, async (tx) => {
      const user = existing ?? await insertUser(tx, { id: newUuid(), email: input.email, passwordHash: passwordHash! });
      const { outcome, member } = await putMembership(tx, { tenantId: auth.tenantId, orgId: auth.orgId, userId: user.id, role: input.role }, { create: true, update: false, maxRole: auth.role });
      membershipConflict(outcome);
      await recordAudit(tx, auth, { action: 'member.added', target: { type: 'member', id: user.id }, data: { email: user.email, role: input.role, user_created: !existing } });
      return member!;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('a user with this email exists: add them without a password');
    throw err;
  }
}

export async function changeMemberRole({ pool }: ServiceContext, auth: Auth, userId: string, role: Role): Promise<MemberRow> {
  const id = memberId(userId);
  notAbove(auth, role);
  return withTenant(pool, auth, async (tx) => {
    const before = await memberById(tx, auth, id);
    const { outcome, member } = await putMembership(tx, { tenantId: auth.tenantId, orgId: auth.orgId, userId: id, role }, { create: false, update: true, maxRole: auth.role });
    membershipConflict(outcome);
    await recordAudit(tx, auth, { action: 'member.role_changed', target: { type: 'member', id }, data: { email: member!.email, from: before?.role ?? null, role } });
    return member!;
  });
}

/** Ends the membership; the tokens issued for it stop working at once (see authentication.ts). */
export async function removeMember({ pool }: ServiceContext, auth: Auth, userId: string): Promise<void> {
  const id = memberId(userId);
  await withTenant(pool, auth, async (tx) => {
    const { outcome, role } = await removeMembership(tx, { tenantId: auth.tenantId, orgId: auth.orgId, userId: id }, auth.role);
    membershipConflict(outcome);
    await recordAudit(tx, auth, { action: 'member.removed', target: { type: 'member', id }, data: { role } });
  });
}

export type Me =
  | { user: UserRow; memberships: UserMembership[] }
  | { key: { id: string; name: string | null; role: Role | null; mode: string; org_id: string } };

/** A user's token: the user and every membership it has, in every tenant. A key (or a key's token): the key. */
export async function me({ pool }: ServiceContext, auth: Auth): Promise<Me> {
  if (auth.userId) {
    const user = await userById(pool, auth.userId);
    if (!user) throw notFound('no such user');
    return { user, memberships: await userMemberships(pool, auth.userId) };
  }
  const key = await withTenant(pool, auth, (tx) => findApiKey(tx, auth, auth.keyId!));
  if (!key) throw notFound('no such API key');
  return { key: { id: key.id, name: key.name, role: key.role as Role | null, mode: key.mode, org_id: key.org_id } };
}

/** Whether `password` is the user's; spends the same scrypt work for an unknown user. */
export async function passwordIsRight(pool: ServiceContext['pool'], who: { userId?: string; email?: string }, password: string): Promise<string | undefined> {
  const stored = await passwordParams(pool, who);
  const candidate = await derive(password, stored?.params ?? DUMMY_PARAMS);
  const ok = await passwordMatches(pool, stored?.user_id ?? '00000000-0000-0000-0000-000000000000', candidate);
  return stored && ok ? stored.user_id : undefined;
}

/**
 * A user's token changes the user's password; every other token of the user (and, once they
 * exist, every other session) stops working, the token that made the change goes on.
 */
export async function changeOwnPassword({ pool }: ServiceContext, auth: Auth, input: { current_password: string; new_password: string }): Promise<void> {
  if (!auth.userId) throw forbidden('only a user\'s token has a password to change');
  if (!(await passwordIsRight(pool, { userId: auth.userId }, input.current_password))) {
    throw unprocessable('the current password is wrong', [{ pointer: '/current_password', detail: 'does not match' }]);
  }
  const passwordHash = await hashPassword(input.new_password);
  await withTenant(pool, auth, async (tx) => {
    await changePassword(tx, auth.userId!, passwordHash, auth.tokenId ?? null);
    await recordAudit(tx, auth, { action: 'user.password_changed', target: { type: 'user', id: auth.userId } });
  });
}
