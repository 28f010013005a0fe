// The audit log (DESIGN §4; issue 12, finding 13): key, member, endpoint-secret, replay and
// settings actions, with who, what, when and from which address, written in the transaction of
// the action; GET /v1/audit-log for admins, of their own organization.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { withTenant } from '../../src/db/tenant.ts';
import { recordAudit } from '../../src/services/audit.ts';
import type { Auth } from '../../src/services/credentials.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

async function auditLog(token: string) {
  const res = await api.request('GET', '/v1/audit-log?limit=100', { token });
  if (res.status !== 200) throw new Error(`audit log: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as any[];
}

const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;

test('key, member, secret and replay actions are recorded with who, what, when and from where', async (t) => {
  const tenant = await createTenant(api);
  const owner = await tenant.key({ role: 'owner' });
  const token = owner.key;
  const created = await api.request('POST', '/v1/api-keys', { token, body: { name: 'ci', mode: 'live', kind: 'secret', role: 'developer' } });
  await api.request('DELETE', `/v1/api-keys/${created.body.id}`, { token });
  const member = await api.request('POST', '/v1/members', { token, body: { email: `audit-${randomUUID()}@example.com`, role: 'viewer', password: 'correct horse battery' } });
  await api.request('PATCH', `/v1/members/${member.body.user_id}`, { token, body: { role: 'developer' } });
  await api.request('DELETE', `/v1/members/${member.body.user_id}`, { token });
  const endpoint = (await api.request('POST', '/v1/webhook-endpoints', { token, body: { url: 'https://example.com/hook', event_types: ['*'] } })).body;
  await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}/secret`, { token });
  await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { token, body: { overlap_seconds: 60 } });
  const since = new Date(Date.now() - 60_000).toISOString();
  t.is((await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token, body: { since } })).status, 202);

  const entries = await auditLog(token);
  t.deepEqual(entries.map((e) => e.action).reverse(), [
    'api_key.created', // the operator's, for the owner key
    'api_key.created', 'api_key.revoked',
    'member.added', 'member.role_changed', 'member.removed',
    'endpoint.secret_revealed', 'endpoint.secret_rotated', 'endpoint.replayed',
  ]);
  const byAction = (action: string) => entries.filter((e) => e.action === action).at(0);
  t.like(entries.at(-1), { actor: { type: 'operator', id: null }, target: { type: 'api_key', id: owner.id } });
  t.like(byAction('api_key.revoked'), { object: 'audit_entry', actor: { type: 'api_key', id: owner.id }, target: { type: 'api_key', id: created.body.id }, data: { name: 'ci', role: 'developer' } });
  t.like(byAction('member.role_changed'), { target: { type: 'member', id: member.body.user_id }, data: { from: 'viewer', role: 'developer' } });
  t.like(byAction('endpoint.secret_rotated'), { target: { type: 'webhook_endpoint', id: endpoint.id }, data: { overlap_seconds: 60 } });
  t.like(byAction('endpoint.replayed'), { data: { since, count: 0 } });
  for (const e of entries) {
    t.regex(e.id, /^aud_/);
    t.regex(e.ip_address, LOOPBACK, e.action);
    t.true(Date.parse(e.created_at) > Date.now() - 60_000);
  }
  const secret = (await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}/secret`, { token })).body.secret;
  t.false(JSON.stringify(await auditLog(token)).includes(secret), 'no secret in the log');
});

test('a user\'s actions name the user; a password change is recorded', async (t) => {
  const tenant = await createTenant(api);
  const email = `audit-${randomUUID()}@example.com`;
  const user = await api.admin('POST', '/admin/v1/users', { email, password: 'correct horse battery' });
  await api.admin('POST', `/admin/v1/tenants/${tenant.id}/memberships`, { user_id: user.body.id, org_id: tenant.orgId, role: 'admin' });
  const token = (await api.request('POST', '/v1/auth/token', { body: { email, password: 'correct horse battery', tenant_id: tenant.id, org_id: tenant.orgId } })).body.access_token;
  await api.request('POST', '/v1/me/password', { token, body: { current_password: 'correct horse battery', new_password: 'a much better passphrase' } });
  const [changed, added] = await auditLog(token);
  t.like(changed, { action: 'user.password_changed', actor: { type: 'user', id: user.body.id }, target: { type: 'user', id: user.body.id } });
  t.like(added, { action: 'member.added', actor: { type: 'operator' }, data: { role: 'admin' } });
});

test('refused actions leave no entry', async (t) => {
  const tenant = await createTenant(api);
  const admin = await tenant.key({ role: 'admin' });
  const owner = await tenant.key({ role: 'owner' });
  const before = (await auditLog(admin.key)).length;
  t.is((await api.request('DELETE', `/v1/api-keys/${owner.id}`, { token: admin.key })).status, 403);
  t.is((await api.request('POST', '/v1/members', { token: owner.key, body: { email: `nobody-${randomUUID()}@example.com`, role: 'viewer' } })).status, 422);
  const endpoint = (await api.request('POST', '/v1/webhook-endpoints', { token: owner.key, body: { url: 'https://example.com/hook', event_types: ['*'] } })).body;
  t.is((await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token: owner.key, body: { since: '2000-01-01T00:00:00Z' } })).status, 422);
  t.is((await api.request('POST', `/v1/webhook-endpoints/${endpoint.id}/replay`, { token: owner.key, body: { since: new Date(Date.now() - 1000).toISOString(), dry_run: true } })).status, 202);
  t.is((await auditLog(admin.key)).length, before, 'nothing recorded');
});

test('a settings change is recorded with what changed, from and to; a refused one is not', async (t) => {
  const name = `Audited shop ${randomUUID()}`;
  const tenant = await createTenant(api, name);
  const admin = await tenant.key({ role: 'admin' });
  const developer = await tenant.key({ role: 'developer' });
  t.is((await api.request('PATCH', '/v1/settings', { token: developer.key, body: { currency: 'EUR' } })).status, 403);
  t.is((await api.request('PATCH', '/v1/settings', { token: admin.key, body: { currency: 'euro' } })).status, 400);
  t.deepEqual((await auditLog(admin.key)).map((e) => e.action), ['api_key.created', 'api_key.created']);
  t.is((await api.request('PATCH', '/v1/settings', { token: admin.key, body: { currency: 'EUR', shop_name: 'Audited', locale: 'en' } })).status, 200);
  const [entry] = await auditLog(admin.key);
  t.like(entry, {
    action: 'settings.updated', actor: { type: 'api_key', id: admin.id }, target: { type: 'settings', id: null },
    data: { changed: ['shop_name', 'currency'], from: { shop_name: name, currency: 'USD' }, to: { shop_name: 'Audited', currency: 'EUR' } },
  });
  t.regex(entry.ip_address, LOOPBACK);
});

test('the log is for admins, of their own organization and mode', async (t) => {
  const tenant = await createTenant(api);
  const org2 = (await api.admin('POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Second' })).body.id;
  const keyOfOrg2 = (await api.admin('POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { org_id: org2, mode: 'live', kind: 'secret', role: 'admin' })).body;
  const owner = await tenant.key({ role: 'owner' });
  await api.request('POST', '/v1/api-keys', { token: owner.key, body: { mode: 'live', kind: 'secret', role: 'viewer' } });
  const ofOrg2 = await auditLog(keyOfOrg2.key);
  t.deepEqual(ofOrg2.map((e) => e.target.id), [keyOfOrg2.id], 'only its own organization\'s entries');
  const testMode = await tenant.key({ role: 'owner', mode: 'test' });
  t.deepEqual((await auditLog(testMode.key)).map((e) => e.target.id), [testMode.id], 'only its own mode\'s entries');
  for (const role of ['viewer', 'developer'] as const) {
    t.is((await api.request('GET', '/v1/audit-log', { token: (await tenant.key({ role })).key })).status, 403, role);
  }
});

test('other services record through recordAudit, in their own transaction: a rollback takes the entry with it', async (t) => {
  const tenant = await createTenant(api);
  const owner = await tenant.key({ role: 'owner' });
  const auth: Auth = { tenantId: tenant.id, orgId: tenant.orgId, mode: 'live', role: 'owner', via: 'secret_key', keyId: owner.id, address: '192.0.2.7' };
  const settings = { action: 'settings.updated', target: { type: 'settings' }, data: { changed: ['shop_name'] } };
  await t.throwsAsync(withTenant(api.db.app, auth, async (tx) => {
    await recordAudit(tx, auth, settings);
    throw new Error('the settings change failed');
  }));
  t.deepEqual((await auditLog(owner.key)).map((e) => e.action), ['api_key.created']);
  await withTenant(api.db.app, auth, (tx) => recordAudit(tx, auth, settings));
  const [entry] = await auditLog(owner.key);
  t.like(entry, { action: 'settings.updated', actor: { type: 'api_key', id: owner.id }, target: { type: 'settings', id: null }, data: { changed: ['shop_name'] }, ip_address: '192.0.2.7' });
});
