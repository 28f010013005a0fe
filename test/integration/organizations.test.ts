// Organizations as scopes (DESIGN §1, §4), through the API: two organizations of one tenant and
// every role. Keys and members belong to one organization; a credential sees and manages only its
// own organization's (another's id → 404, another's org_id → 403), never above its own role, and
// every organization keeps an owner.
import test from 'ava';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant, type TestTenant } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const ROLES = ['viewer', 'developer', 'admin', 'owner'] as const;
type Role = (typeof ROLES)[number];
const PASSWORD = 'correct horse battery';

interface Org { tenantId: string; orgId: string }

/** A tenant with two organizations. */
async function twoOrgs(): Promise<{ tenant: TestTenant; one: Org; two: Org }> {
  const tenant = await createTenant(api);
  const second = await api.admin('POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Agency' });
  return { tenant, one: { tenantId: tenant.id, orgId: tenant.orgId }, two: { tenantId: tenant.id, orgId: second.body.id } };
}

async function key(org: Org, role: Role | 'publishable', mode: 'live' | 'test' = 'live'): Promise<{ id: string; key: string }> {
  const res = await api.admin('POST', `/admin/v1/tenants/${org.tenantId}/api-keys`, {
    org_id: org.orgId, mode, ...(role === 'publishable' ? { kind: 'publishable' } : { kind: 'secret', role }),
  });
  if (res.status !== 201) throw new Error(`key: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, key: res.body.key };
}

const email = () => `member-${randomUUID()}@example.com`;

/** A user account (through the operator) and its membership in `org` with `role`. */
async function member(org: Org, role: Role, address = email()): Promise<{ id: string; email: string }> {
  const user = await api.admin('POST', '/admin/v1/users', { email: address, password: PASSWORD });
  const added = await api.admin('POST', `/admin/v1/tenants/${org.tenantId}/memberships`, { user_id: user.body.id, org_id: org.orgId, role });
  if (added.status !== 201) throw new Error(`membership: ${added.status} ${JSON.stringify(added.body)}`);
  return { id: user.body.id, email: address };
}

async function login(org: Org, who: { email: string }, password = PASSWORD) {
  return api.request('POST', '/v1/auth/token', { body: { email: who.email, password, tenant_id: org.tenantId, org_id: org.orgId } });
}

async function tokenOf(org: Org, who: { email: string }): Promise<string> {
  const res = await login(org, who);
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

const ids = (res: { body: { data: Array<{ id?: string; user_id?: string }> } }) => res.body.data.map((r) => r.id ?? r.user_id);

test('a credential lists only its own organization\'s keys', async (t) => {
  const { one, two } = await twoOrgs();
  const ownerOne = await key(one, 'owner');
  const viewerOne = await key(one, 'viewer');
  const adminTwo = await key(two, 'admin');
  const listedByTwo = await api.request('GET', '/v1/api-keys', { token: adminTwo.key });
  t.is(listedByTwo.status, 200);
  t.deepEqual(ids(listedByTwo), [adminTwo.id]);
  const listedByOne = await api.request('GET', '/v1/api-keys', { token: ownerOne.key });
  t.deepEqual(ids(listedByOne).sort(), [ownerOne.id, viewerOne.id].sort());
});

test('an admin of one organization cannot revoke another organization\'s owner key: 404, and the key keeps working', async (t) => {
  const { one, two } = await twoOrgs();
  const victim = await key(one, 'owner');
  const adminTwo = await key(two, 'admin');
  const attack = await api.request('DELETE', `/v1/api-keys/${victim.id}`, { token: adminTwo.key });
  t.is(attack.status, 404);
  const missing = await api.request('DELETE', '/v1/api-keys/key_00000000000000000000000000', { token: adminTwo.key });
  t.is(attack.body.detail, missing.body.detail, 'indistinguishable from a key that never existed');
  t.is((await api.request('GET', '/v1/api-keys', { token: victim.key })).status, 200);
});

test('a key is revoked only up to the caller\'s own role', async (t) => {
  const { one } = await twoOrgs();
  const admin = await key(one, 'admin');
  const owner = await key(one, 'owner');
  const targets = Object.fromEntries(await Promise.all(['viewer', 'developer', 'admin', 'owner', 'publishable'].map(async (r) => [r, await key(one, r as Role)])));
  const revoke = (by: { key: string }, id: string) => api.request('DELETE', `/v1/api-keys/${id}`, { token: by.key });
  t.is((await revoke(admin, targets.owner.id)).status, 403, 'an admin cannot revoke an owner key');
  for (const r of ['viewer', 'developer', 'admin', 'publishable']) t.is((await revoke(admin, targets[r].id)).status, 204, r);
  t.is((await revoke(owner, targets.owner.id)).status, 204, 'an owner can');
  t.is((await api.request('GET', '/v1/tenant', { token: targets.owner.key })).status, 401);
});

test('an org_id naming another organization is a 403; the caller\'s own, in any case, is accepted', async (t) => {
  const { one, two } = await twoOrgs();
  const adminTwo = await key(two, 'admin');
  const body = { mode: 'live', kind: 'secret', role: 'viewer' };
  t.is((await api.request('POST', '/v1/api-keys', { token: adminTwo.key, body: { ...body, org_id: one.orgId } })).status, 403);
  t.is((await api.request('GET', `/v1/api-keys?org_id=${one.orgId}`, { token: adminTwo.key })).status, 403);
  t.is((await api.request('GET', `/v1/members?org_id=${randomUUID()}`, { token: adminTwo.key })).status, 403);
  const own = await api.request('POST', '/v1/api-keys', { token: adminTwo.key, body: { ...body, org_id: two.orgId.toUpperCase() } });
  t.is(own.status, 201);
  t.is(own.body.org_id, two.orgId);
});

test('who may do what, for every role: keys and the audit log for admins, members for owners, the tenant for all', async (t) => {
  const { one } = await twoOrgs();
  const expected: Record<string, Record<Role | 'publishable', number>> = {
    'GET /v1/tenant': { publishable: 403, viewer: 200, developer: 200, admin: 200, owner: 200 },
    'GET /v1/me': { publishable: 403, viewer: 200, developer: 200, admin: 200, owner: 200 },
    'GET /v1/api-keys': { publishable: 403, viewer: 403, developer: 403, admin: 200, owner: 200 },
    'GET /v1/audit-log': { publishable: 403, viewer: 403, developer: 403, admin: 200, owner: 200 },
    'GET /v1/members': { publishable: 403, viewer: 403, developer: 403, admin: 200, owner: 200 },
    'POST /v1/members': { publishable: 403, viewer: 403, developer: 403, admin: 403, owner: 201 },
    'PATCH /v1/members/:id': { publishable: 403, viewer: 403, developer: 403, admin: 403, owner: 200 },
    'DELETE /v1/members/:id': { publishable: 403, viewer: 403, developer: 403, admin: 403, owner: 204 },
  };
  for (const role of ['publishable', ...ROLES] as const) {
    const { key: token } = await key(one, role);
    for (const [route, byRole] of Object.entries(expected)) {
      const [method, path] = route.split(' ');
      const target = method === 'PATCH' || method === 'DELETE' ? await member(one, 'viewer') : undefined;
      const body = method === 'POST' ? { email: email(), role: 'viewer', password: PASSWORD } : method === 'PATCH' ? { role: 'developer' } : undefined;
      const res = await api.request(method, path.replace(':id', target?.id ?? ''), { token, body });
      t.is(res.status, byRole[role], `${role}: ${route} → ${JSON.stringify(res.body)}`);
    }
  }
});

test('a user\'s token acts with the membership\'s role, in its organization only', async (t) => {
  const { one, two } = await twoOrgs();
  for (const role of ROLES) {
    const user = await member(one, role);
    const token = await tokenOf(one, user);
    t.like(jwt.decode(token) as object, { role, org_id: one.orgId, sub: user.id });
    t.is((await api.request('GET', '/v1/api-keys', { token })).status, ['admin', 'owner'].includes(role) ? 200 : 403, role);
    t.is((await api.request('POST', '/v1/members', { token, body: { email: email(), role: 'viewer', password: PASSWORD } })).status, role === 'owner' ? 201 : 403, role);
    t.is((await login(two, user)).status, 403, `${role}: not a member of the other organization`);
  }
});

test('owners add members: an existing user by email, or a new one with a password (409/422 rules)', async (t) => {
  const { one, two } = await twoOrgs();
  const owner = await key(one, 'owner');
  const created = await api.request('POST', '/v1/members', { token: owner.key, body: { email: email(), role: 'developer', password: PASSWORD } });
  t.is(created.status, 201);
  t.like(created.body, { object: 'member', role: 'developer' });
  t.false(JSON.stringify(created.body).includes(PASSWORD));
  t.is((await login(one, created.body)).status, 200, 'the new user logs in');
  const again = await api.request('POST', '/v1/members', { token: owner.key, body: { email: created.body.email, role: 'viewer' } });
  t.is(again.status, 409, 'already a member');
  const withPassword = await api.request('POST', '/v1/members', { token: owner.key, body: { email: created.body.email.toUpperCase(), role: 'viewer', password: 'another password!' } });
  t.is(withPassword.status, 409, 'a password for an existing email: no password ever changes here');
  t.is((await login(one, created.body)).status, 200, 'the password did not change');
  const unknown = await api.request('POST', '/v1/members', { token: owner.key, body: { email: email(), role: 'viewer' } });
  t.is(unknown.status, 422);
  t.is(unknown.body.errors[0].pointer, '/email');
  // The same user joins the other organization, existing: no password.
  const ownerTwo = await key(two, 'owner');
  const joined = await api.request('POST', '/v1/members', { token: ownerTwo.key, body: { email: created.body.email, role: 'admin' } });
  t.is(joined.status, 201);
  t.is(joined.body.user_id, created.body.user_id);
  const listed = await api.request('GET', '/v1/members', { token: ownerTwo.key });
  t.deepEqual(ids(listed), [created.body.user_id]);
  t.false(ids(await api.request('GET', '/v1/members', { token: (await key(two, 'admin')).key })).includes(undefined));
});

test('another organization\'s member is a 404; a role above the caller\'s cannot be given', async (t) => {
  const { one, two } = await twoOrgs();
  const theirs = await member(one, 'developer');
  const ownerTwo = await key(two, 'owner');
  t.is((await api.request('PATCH', `/v1/members/${theirs.id}`, { token: ownerTwo.key, body: { role: 'viewer' } })).status, 404);
  t.is((await api.request('DELETE', `/v1/members/${theirs.id}`, { token: ownerTwo.key })).status, 404);
  t.is((await api.request('DELETE', '/v1/members/not-a-uuid', { token: ownerTwo.key })).status, 404);
  const ownerOne = await key(one, 'owner');
  t.is((await api.request('PATCH', `/v1/members/${theirs.id.toUpperCase()}`, { token: ownerOne.key, body: { role: 'admin' } })).status, 200, 'uppercase ids are the same member');
});

test('every organization keeps an owner: demoting or removing the last one is a 409', async (t) => {
  const { one } = await twoOrgs();
  const ownerKey = await key(one, 'owner');
  const first = await member(one, 'owner');
  const patch = (id: string, role: Role) => api.request('PATCH', `/v1/members/${id}`, { token: ownerKey.key, body: { role } });
  const remove = (id: string) => api.request('DELETE', `/v1/members/${id}`, { token: ownerKey.key });
  t.is((await patch(first.id, 'admin')).status, 409);
  t.is((await remove(first.id)).status, 409);
  t.is((await api.admin('POST', `/admin/v1/tenants/${one.tenantId}/memberships`, { user_id: first.id, org_id: one.orgId, role: 'viewer' })).status, 409, 'the operator too');
  const second = await member(one, 'owner');
  t.is((await patch(first.id, 'admin')).status, 200);
  t.is((await remove(second.id)).status, 409, 'now the second is the last owner');
  t.is((await patch(first.id, 'owner')).status, 200);
  t.is((await remove(second.id)).status, 204);
});

test('two owners demoting each other at once: one change wins, the organization keeps an owner', async (t) => {
  const { one } = await twoOrgs();
  const a = await member(one, 'owner');
  const b = await member(one, 'owner');
  const [tokenA, tokenB] = [await tokenOf(one, a), await tokenOf(one, b)];
  const replies = await Promise.all([
    api.request('PATCH', `/v1/members/${b.id}`, { token: tokenA, body: { role: 'viewer' } }),
    api.request('PATCH', `/v1/members/${a.id}`, { token: tokenB, body: { role: 'viewer' } }),
  ]);
  const statuses = replies.map((r) => r.status).sort();
  // The second change either finds its caller demoted (its token acts as a viewer now: 403) or would leave no owner (409).
  t.is(statuses[0], 200);
  t.true([403, 409].includes(statuses[1]), JSON.stringify(replies.map((r) => r.body)));
  const members = await api.request('GET', '/v1/members', { token: (await key(one, 'owner')).key });
  t.is(members.body.data.filter((m: { role: string }) => m.role === 'owner').length, 1);
});

test('a removed member\'s tokens die at once, and adding the user again does not revive them', async (t) => {
  const { one } = await twoOrgs();
  const owner = await key(one, 'owner');
  const user = await member(one, 'admin');
  const token = await tokenOf(one, user);
  t.is((await api.request('GET', '/v1/tenant', { token })).status, 200);
  t.is((await api.request('DELETE', `/v1/members/${user.id}`, { token: owner.key })).status, 204);
  const dead = await api.request('GET', '/v1/tenant', { token });
  t.is(dead.status, 401);
  t.regex(dead.headers.get('www-authenticate') ?? '', /^Bearer/);
  t.is((await api.request('POST', '/v1/members', { token: owner.key, body: { email: user.email, role: 'admin' } })).status, 201);
  t.is((await api.request('GET', '/v1/tenant', { token })).status, 401, 'the old token was for the old membership');
  t.is((await api.request('GET', '/v1/tenant', { token: await tokenOf(one, user) })).status, 200);
});

test('a demoted member\'s token acts with the lower role at once', async (t) => {
  const { one } = await twoOrgs();
  const owner = await key(one, 'owner');
  const user = await member(one, 'admin');
  const token = await tokenOf(one, user);
  t.is((await api.request('GET', '/v1/api-keys', { token })).status, 200);
  t.is((await api.request('PATCH', `/v1/members/${user.id}`, { token: owner.key, body: { role: 'viewer' } })).status, 200);
  t.is((await api.request('GET', '/v1/api-keys', { token })).status, 403);
  t.is((await api.request('GET', '/v1/tenant', { token })).body.role, 'viewer');
});

test('GET /v1/tenant shows the tenant, the credential\'s organization, mode and role', async (t) => {
  const { tenant, two } = await twoOrgs();
  const developer = await key(two, 'developer', 'test');
  const res = await api.request('GET', '/v1/tenant', { token: developer.key });
  t.is(res.status, 200);
  t.like(res.body, { id: tenant.id, object: 'tenant', slug: tenant.slug, status: 'active', organization: { id: two.orgId, name: 'Agency' }, mode: 'test', role: 'developer' });
});

test('GET /v1/me: a user sees every membership in every tenant; a key sees itself', async (t) => {
  const first = await twoOrgs();
  const second = await twoOrgs();
  const user = await member(first.one, 'viewer');
  await api.admin('POST', `/admin/v1/tenants/${first.two.tenantId}/memberships`, { user_id: user.id, org_id: first.two.orgId, role: 'admin' });
  await api.admin('POST', `/admin/v1/tenants/${second.one.tenantId}/memberships`, { user_id: user.id, org_id: second.one.orgId, role: 'owner' });
  const me = await api.request('GET', '/v1/me', { token: await tokenOf(first.one, user) });
  t.is(me.status, 200);
  t.is(me.body.id, user.id);
  t.is(me.body.email, user.email);
  const seen = me.body.memberships.map((m: any) => `${m.tenant_id}/${m.org_id}/${m.role}`).sort();
  t.deepEqual(seen, [`${first.one.tenantId}/${first.one.orgId}/viewer`, `${first.two.tenantId}/${first.two.orgId}/admin`, `${second.one.tenantId}/${second.one.orgId}/owner`].sort());
  t.true(me.body.memberships.every((m: any) => typeof m.tenant_name === 'string' && typeof m.org_name === 'string'));
  const developer = await key(first.two, 'developer');
  const keyMe = await api.request('GET', '/v1/me', { token: developer.key });
  t.deepEqual(keyMe.body, { key: { id: developer.id, name: null, role: 'developer', mode: 'live', org_id: first.two.orgId } });
  const minted = (await api.request('POST', '/v1/auth/token', { token: developer.key })).body.access_token;
  t.is((await api.request('GET', '/v1/me', { token: minted })).body.key.id, developer.id, 'a key\'s token is the key');
});

test('a password change ends the user\'s other tokens; the token that made it goes on', async (t) => {
  const { one } = await twoOrgs();
  const user = await member(one, 'developer');
  const [changer, other] = [await tokenOf(one, user), await tokenOf(one, user)];
  const wrong = await api.request('POST', '/v1/me/password', { token: changer, body: { current_password: 'not my password', new_password: 'a much better passphrase' } });
  t.is(wrong.status, 422);
  t.is(wrong.body.errors[0].pointer, '/current_password');
  t.is((await api.request('GET', '/v1/tenant', { token: other })).status, 200, 'a refused change ends nothing');
  const changed = await api.request('POST', '/v1/me/password', { token: changer, body: { current_password: PASSWORD, new_password: 'a much better passphrase' } });
  t.is(changed.status, 204);
  t.is((await api.request('GET', '/v1/tenant', { token: changer })).status, 200);
  t.is((await api.request('GET', '/v1/tenant', { token: other })).status, 401);
  t.is((await login(one, user)).status, 401, 'the old password is gone');
  t.is((await login(one, user, 'a much better passphrase')).status, 200);
  const tooShort = await api.request('POST', '/v1/me/password', { token: changer, body: { current_password: 'a much better passphrase', new_password: 'short' } });
  t.is(tooShort.status, 400);
  const { key: apiKey } = await key(one, 'owner');
  t.is((await api.request('POST', '/v1/me/password', { token: apiKey, body: { current_password: PASSWORD, new_password: 'a much better passphrase' } })).status, 403, 'a key has no password');
});

test('an Idempotency-Key reused by another organization of the tenant is a 422, never a replay of the first organization\'s answer', async (t) => {
  const { one, two } = await twoOrgs();
  const body = { email: email(), role: 'viewer', password: PASSWORD };
  const headers = { 'idempotency-key': 'add-the-new-hire' };
  const first = await api.request('POST', '/v1/members', { token: (await key(one, 'owner')).key, body, headers });
  t.is(first.status, 201);
  const other = await api.request('POST', '/v1/members', { token: (await key(two, 'owner')).key, body, headers });
  t.is(other.status, 422);
  t.is(other.headers.get('idempotent-replayed'), null);
  const again = await api.request('POST', '/v1/members', { token: (await key(one, 'owner')).key, body, headers });
  t.is(again.headers.get('idempotent-replayed'), 'true', 'the same organization replays');
});
