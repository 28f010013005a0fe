// The credential matrix of DESIGN §1: what answers 401, what 403, what 404.
import test from 'ava';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant, tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const secret = () => api.services.config.jwtSecret;
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, options: jwt.SignOptions = {}, key = secret()) {
  const lifetime = 'exp' in claims ? {} : { expiresIn: 300 };
  return jwt.sign(claims, key, { algorithm: 'HS256', issuer: 'herald', audience: 'herald-api', ...lifetime, ...options });
}

async function claimsFor(role = 'owner') {
  const { tenant, keyId } = await tenantWithKey(api, { role: role as 'owner' });
  return { tenant_id: tenant.id, org_id: tenant.orgId, sub: keyId, role, mode: 'live', key_id: keyId };
}

async function expect401(t: any, token: string | undefined, why: string) {
  const res = await api.request('GET', '/v1/api-keys', token === undefined ? {} : { headers: { authorization: token } });
  t.is(res.status, 401, why);
  t.regex(res.headers.get('www-authenticate') ?? '', /^Bearer/, `${why}: WWW-Authenticate`);
  t.is(res.headers.get('content-type'), 'application/problem+json', why);
}

test('a request without a credential answers 401 with WWW-Authenticate: Bearer', async (t) => {
  await expect401(t, undefined, 'no token');
});

test('garbage, malformed headers and unknown keys answer 401', async (t) => {
  await expect401(t, 'Bearer garbage', 'garbage');
  await expect401(t, 'Basic dXNlcjpwYXNz', 'basic auth');
  await expect401(t, 'Bearer', 'empty bearer');
  await expect401(t, `Bearer hk_live_${'a'.repeat(32)}`, 'unknown key');
  await expect401(t, 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJ4In0.bad', 'broken jwt');
});

test('expired, not-yet-valid and badly signed tokens answer 401', async (t) => {
  const claims = await claimsFor();
  await expect401(t, `Bearer ${sign({ ...claims, exp: now() - 10 })}`, 'expired');
  await expect401(t, `Bearer ${sign({ ...claims, nbf: now() + 600 })}`, 'not yet valid');
  await expect401(t, `Bearer ${sign(claims, {}, 'a-different-secret-of-enough-length-xx')}`, 'wrong signature');
  await expect401(t, `Bearer ${sign(claims, { expiresIn: '1d' })}`, 'a lifetime over 15 minutes');
  await expect401(t, `Bearer ${sign(claims, { noTimestamp: true })}`, 'no iat');
});

test('alg none, wrong issuer and wrong audience answer 401', async (t) => {
  const claims = await claimsFor();
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ ...claims, iss: 'herald', aud: 'herald-api', exp: now() + 300 })).toString('base64url');
  await expect401(t, `Bearer ${header}.${payload}.`, 'alg none');
  await expect401(t, `Bearer ${sign(claims, { issuer: 'someone-else' })}`, 'wrong issuer');
  await expect401(t, `Bearer ${sign(claims, { audience: 'another-api' })}`, 'wrong audience');
});

test('a token without tenant_id or with a non-UUID-v4 tenant_id answers 401', async (t) => {
  const { tenant_id: _omitted, ...claims } = await claimsFor();
  await expect401(t, `Bearer ${sign(claims)}`, 'no tenant_id');
  await expect401(t, `Bearer ${sign({ ...claims, tenant_id: 'not-a-uuid' })}`, 'not a uuid');
  await expect401(t, `Bearer ${sign({ ...claims, tenant_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' })}`, 'a UUID v1');
});

test('a token whose iat lies in the future answers 401, however short its stated lifetime (finding 7)', async (t) => {
  const claims = await claimsFor();
  // Signed with exp - iat within 15 minutes, but issued a day ahead: it would live a day and 15 minutes.
  const future = now() + 86_400;
  await expect401(t, `Bearer ${sign({ ...claims, iat: future, exp: future + 600 })}`, 'iat a day ahead');
  await expect401(t, `Bearer ${sign({ ...claims, iat: now() + 60, exp: now() + 600 })}`, 'iat a minute ahead');
  const fine = await api.request('GET', '/v1/api-keys', { headers: { authorization: `Bearer ${sign({ ...claims, iat: now(), exp: now() + 600 })}` } });
  t.is(fine.status, 200, 'an iat of now is fine');
});

test('a token whose org_id is not an organization of its tenant answers 401 (finding 7)', async (t) => {
  const claims = await claimsFor();
  const other = await createTenant(api);
  await expect401(t, `Bearer ${sign({ ...claims, org_id: other.orgId })}`, 'another tenant\'s organization');
  await expect401(t, `Bearer ${sign({ ...claims, org_id: randomUUID() })}`, 'no organization at all');
});

test('a login with uppercase ids yields a token in lowercase, and the tenant\'s webhook secrets work with it (finding 2)', async (t) => {
  const tenant = await createTenant(api);
  const email = `upper-${randomUUID()}@example.com`;
  const user = await api.admin('POST', '/admin/v1/users', { email, password: 'correct horse battery' });
  await api.admin('POST', `/admin/v1/tenants/${tenant.id.toUpperCase()}/memberships`, { user_id: user.body.id.toUpperCase(), org_id: tenant.orgId.toUpperCase(), role: 'owner' });
  const login = await api.request('POST', '/v1/auth/token', { body: { email, password: 'correct horse battery', tenant_id: tenant.id.toUpperCase(), org_id: tenant.orgId.toUpperCase() } });
  t.is(login.status, 200);
  const claims = jwt.decode(login.body.access_token) as Record<string, string>;
  t.is(claims.tenant_id, tenant.id);
  t.is(claims.org_id, tenant.orgId);
  const token = login.body.access_token;
  const endpoint = await api.request('POST', '/v1/webhook-endpoints', { token, body: { url: 'https://example.com/hook', event_types: ['*'], tenant_id: tenant.id.toUpperCase() } });
  t.is(endpoint.status, 201, 'the caller\'s own tenant_id, in any case, is accepted');
  // The secret is sealed with the tenant id as associated data: one spelling everywhere, so it opens.
  t.is((await api.request('GET', `/v1/webhook-endpoints/${endpoint.body.id}/secret`, { token })).status, 200);
  const { key } = await tenant.key();
  t.is((await api.request('GET', `/v1/webhook-endpoints/${endpoint.body.id}/secret`, { token: key })).status, 200);
  t.is((await api.admin('GET', `/admin/v1/tenants/${tenant.id.toUpperCase()}`)).body.id, tenant.id);
});

test('a token for a tenant that does not exist answers 401', async (t) => {
  const claims = await claimsFor();
  await expect401(t, `Bearer ${sign({ ...claims, tenant_id: randomUUID() })}`, 'unknown tenant');
});

test('a secret key mints a token that works until the key is revoked; then both answer 401', async (t) => {
  const { key, keyId } = await tenantWithKey(api, { role: 'owner' });
  const minted = await api.request('POST', '/v1/auth/token', { token: key });
  t.is(minted.status, 200);
  t.is(minted.body.token_type, 'Bearer');
  t.true(minted.body.expires_in <= 900);
  const token = minted.body.access_token;
  t.is((await api.request('GET', '/v1/api-keys', { token })).status, 200);
  t.is((await api.request('DELETE', `/v1/api-keys/${keyId}`, { token: key })).status, 204);
  await expect401(t, `Bearer ${key}`, 'revoked key');
  await expect401(t, `Bearer ${token}`, 'token minted from a revoked key');
});

test('a suspended tenant answers 403 to keys and tokens', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const token = (await api.request('POST', '/v1/auth/token', { token: key })).body.access_token;
  t.is((await api.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { status: 'suspended' })).status, 200);
  t.is((await api.request('GET', '/v1/api-keys', { token: key })).status, 403);
  t.is((await api.request('GET', '/v1/api-keys', { token })).status, 403);
  t.is((await api.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { status: 'active' })).status, 200);
  t.is((await api.request('GET', '/v1/api-keys', { token: key })).status, 200);
});

test('a publishable key cannot write or obtain a token', async (t) => {
  const tenant = await createTenant(api);
  const { key } = await tenant.key({ kind: 'publishable' });
  const write = await api.request('POST', '/v1/api-keys', { token: key, body: { mode: 'live', kind: 'secret', role: 'viewer' } });
  t.is(write.status, 403);
  t.is((await api.request('POST', '/v1/auth/token', { token: key })).status, 403);
});

test('a tenant_id in the body or query that is not the caller\'s answers 403, before validation', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const other = randomUUID();
  const body = await api.request('POST', '/v1/api-keys', { token: key, body: { tenant_id: other, mode: 'nonsense' } });
  t.is(body.status, 403);
  const query = await api.request('GET', `/v1/api-keys?tenant_id=${other}`, { token: key });
  t.is(query.status, 403);
  const own = await api.request('POST', '/v1/api-keys', { token: key, body: { tenant_id: tenant.id, mode: 'live', kind: 'secret', role: 'viewer' } });
  t.is(own.status, 201, 'the caller\'s own tenant_id is accepted and ignored');
  t.is((await api.request('GET', `/v1/api-keys?tenant_id=${tenant.id}`, { token: key })).status, 200);
});

test('a viewer cannot create keys; an admin cannot create a key above its role or in another mode', async (t) => {
  const tenant = await createTenant(api);
  const viewer = await tenant.key({ role: 'viewer' });
  t.is((await api.request('POST', '/v1/api-keys', { token: viewer.key, body: { mode: 'live', kind: 'secret', role: 'viewer' } })).status, 403);
  const admin = await tenant.key({ role: 'admin' });
  t.is((await api.request('POST', '/v1/api-keys', { token: admin.key, body: { mode: 'live', kind: 'secret', role: 'owner' } })).status, 403);
  t.is((await api.request('POST', '/v1/api-keys', { token: admin.key, body: { mode: 'test', kind: 'secret', role: 'viewer' } })).status, 403);
  const created = await api.request('POST', '/v1/api-keys', { token: admin.key, body: { mode: 'live', kind: 'secret', role: 'admin', name: 'ci' } });
  t.is(created.status, 201);
  t.regex(created.body.key, /^hk_live_/);
  t.is(created.body.role, 'admin');
  const listed = await api.request('GET', '/v1/api-keys', { token: admin.key });
  t.false(JSON.stringify(listed.body).includes(created.body.key), 'the key is shown once, never listed');
});

test('another tenant\'s key id answers 404, indistinguishable from one that never existed', async (t) => {
  const a = await tenantWithKey(api);
  const b = await tenantWithKey(api);
  const foreign = await api.request('DELETE', `/v1/api-keys/${a.keyId}`, { token: b.key });
  t.is(foreign.status, 404);
  const missing = await api.request('DELETE', '/v1/api-keys/key_00000000000000000000000000', { token: b.key });
  t.is(missing.status, 404);
  t.is(foreign.body.detail, missing.body.detail);
  t.is((await api.request('DELETE', '/v1/api-keys/not-an-id', { token: b.key })).status, 404);
  t.is((await api.request('GET', '/v1/api-keys', { token: a.key })).status, 200, 'a\'s key still works');
});

test('test-mode credentials see only test-mode keys', async (t) => {
  const tenant = await createTenant(api);
  const live = await tenant.key({ mode: 'live' });
  const testKey = await tenant.key({ mode: 'test' });
  const seenByTest = await api.request('GET', '/v1/api-keys', { token: testKey.key });
  t.deepEqual(seenByTest.body.data.map((k: { id: string }) => k.id), [testKey.id]);
  t.is((await api.request('DELETE', `/v1/api-keys/${live.id}`, { token: testKey.key })).status, 404);
});

test('a user logs in with email and password for an organization it belongs to', async (t) => {
  const tenant = await createTenant(api);
  const email = `dev-${randomUUID()}@example.com`;
  const user = await api.admin('POST', '/admin/v1/users', { email, password: 'correct horse battery' });
  t.is(user.status, 201);
  t.false('password_hash' in user.body);
  const login = { email, password: 'correct horse battery', tenant_id: tenant.id, org_id: tenant.orgId };
  t.is((await api.request('POST', '/v1/auth/token', { body: login })).status, 403, 'not a member yet');
  t.is((await api.admin('POST', `/admin/v1/tenants/${tenant.id}/memberships`, { user_id: user.body.id, org_id: tenant.orgId, role: 'viewer' })).status, 201);
  const token = await api.request('POST', '/v1/auth/token', { body: login });
  t.is(token.status, 200);
  const claims = jwt.decode(token.body.access_token) as Record<string, unknown>;
  t.like(claims, { tenant_id: tenant.id, org_id: tenant.orgId, sub: user.body.id, role: 'viewer', mode: 'live' });
  t.is((await api.request('GET', '/v1/api-keys', { token: token.body.access_token })).status, 403, 'viewer cannot manage keys');
  t.is((await api.request('POST', '/v1/auth/token', { body: { ...login, password: 'wrong password!!' } })).status, 401);
});

test('login attempts are rate-limited per email', async (t) => {
  const tenant = await createTenant(api);
  const body = { email: `nobody-${randomUUID()}@example.com`, password: 'x', tenant_id: tenant.id, org_id: tenant.orgId };
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await api.request('POST', '/v1/auth/token', { body })).status);
  t.deepEqual(statuses.slice(0, 10), new Array(10).fill(401));
  t.is(statuses[11], 429);
});

test('the admin API refuses a wrong operator token', async (t) => {
  const res = await api.request('POST', '/admin/v1/tenants', { token: 'wrong-admin-token', body: { name: 'x' } });
  t.is(res.status, 401);
  t.is((await api.request('GET', '/admin/v1/tenants')).status, 401);
});

test('key use is recorded in last_used_at', async (t) => {
  const { key, keyId } = await tenantWithKey(api);
  await api.request('GET', '/v1/api-keys', { token: key });
  let used: string | null = null;
  for (let i = 0; i < 50 && !used; i++) {
    const list = await api.request('GET', '/v1/api-keys', { token: key });
    used = list.body.data.find((k: { id: string }) => k.id === keyId).last_used_at;
    if (!used) await new Promise((r) => setTimeout(r, 20));
  }
  t.truthy(used);
});
