// Isolation below the application: row-level security as herald_app, with no app code involved.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { assertRuntimeRoleIsConfined } from '../../src/db/pool.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant } from '../helpers/factories.ts';

let api: TestApi;
let a: Awaited<ReturnType<typeof createTenant>>;
let b: Awaited<ReturnType<typeof createTenant>>;

test.before(async () => {
  api = await startApi();
  a = await createTenant(api);
  b = await createTenant(api);
  await a.key();
  await a.key({ role: 'viewer' });
  await b.key();
});
test.after.always(async () => { await api?.close(); });

test('as herald_app with no tenant set, api_keys shows no rows', async (t) => {
  const { rows } = await api.db.app.query('select * from api_keys');
  t.is(rows.length, 0);
  const owner = await api.db.owner.query('select count(*)::int as n from api_keys');
  t.true(owner.rows[0].n >= 3, 'the rows exist (seen by the owner)');
});

test('a pooled connection that ran a tenant transaction sees nothing afterwards', async (t) => {
  const client = await api.db.app.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('app.tenant_id', $1, true), set_config('app.mode', 'live', true)`, [a.id]);
    t.true((await client.query('select * from api_keys')).rows.length > 0);
    await client.query('commit');
    // After the transaction the settings read '' (not NULL): the policies' nullif keeps this empty.
    t.is((await client.query('select * from api_keys')).rows.length, 0);
  } finally {
    client.release();
  }
});

test('with tenant A set, only A\'s rows are visible', async (t) => {
  const rows = await withTenant(api.db.app, { tenantId: a.id, mode: 'live' }, async (tx) => (await tx.query('select tenant_id from api_keys')).rows);
  // At least A's two keys (another test of this file, running at the same time, may add one).
  t.true(rows.length >= 2);
  t.true(rows.every((r) => r.tenant_id === a.id));
});

test('with tenant A set, inserting a row for tenant B fails', async (t) => {
  const err = await t.throwsAsync(withTenant(api.db.app, { tenantId: a.id, mode: 'live' }, (tx) =>
    tx.query(`insert into api_keys (tenant_id, id, org_id, mode, kind, role, key_hash, prefix)
              values ($1, 'key_x', $2, 'live', 'secret', 'owner', 'h', 'p')`, [b.id, b.orgId])));
  t.regex(err!.message, /row-level security/);
});

test('with tenant A set in live mode, test-mode rows are invisible and cannot be written', async (t) => {
  await a.key({ mode: 'test' });
  const rows = await withTenant(api.db.app, { tenantId: a.id, mode: 'live' }, async (tx) => (await tx.query(`select * from api_keys where mode = 'test'`)).rows);
  t.is(rows.length, 0);
  await t.throwsAsync(withTenant(api.db.app, { tenantId: a.id, mode: 'live' }, (tx) =>
    tx.query(`insert into api_keys (tenant_id, id, org_id, mode, kind, role, key_hash, prefix)
              values ($1, 'key_y', $2, 'test', 'secret', 'owner', 'h', 'p')`, [a.id, a.orgId])), { message: /row-level security/ });
});

test('a composite foreign key refuses a reference to another tenant\'s organization', async (t) => {
  // Even the owner (no RLS in the way) cannot point A's key at B's organization.
  const err = await t.throwsAsync(api.db.owner.query(
    `insert into api_keys (tenant_id, id, org_id, mode, kind, role, key_hash, prefix)
     values ($1, 'key_z', $2, 'live', 'secret', 'owner', 'h', 'p')`, [a.id, b.orgId]));
  t.regex(err!.message, /foreign key/);
});

test('updates and deletes cannot reach another tenant\'s rows', async (t) => {
  const changed = await withTenant(api.db.app, { tenantId: a.id, mode: 'live' }, async (tx) =>
    (await tx.query('update api_keys set revoked_at = now() where tenant_id = $1', [b.id])).rowCount);
  t.is(changed, 0);
  const deleted = await withTenant(api.db.app, { tenantId: a.id, mode: 'live' }, async (tx) =>
    (await tx.query('delete from api_keys where tenant_id = $1', [b.id])).rowCount);
  t.is(deleted, 0);
  const { rows } = await api.db.owner.query('select revoked_at from api_keys where tenant_id = $1', [b.id]);
  t.true(rows.every((r) => r.revoked_at === null));
});

test('the runtime role is confined; the owner role is refused as a runtime role', async (t) => {
  await t.notThrowsAsync(assertRuntimeRoleIsConfined(api.db.app));
  await t.throwsAsync(assertRuntimeRoleIsConfined(api.db.owner), { message: /refusing to start/ });
  const { rows } = await api.db.app.query('select current_user as role, session_user as login');
  t.is(rows[0].role, 'herald_app');
});

test('the key lookup function returns only ids and scope', async (t) => {
  const { rows } = await api.db.app.query('select * from resolve_api_key($1)', ['no-such-hash']);
  t.deepEqual(rows, []);
  const err = await t.throwsAsync(api.db.app.query('select key_hash from resolve_api_key($1)', ['x']));
  t.regex(err!.message, /key_hash/);
});

test('withTenant refuses a tenant id that is not a UUID', async (t) => {
  await t.throwsAsync(withTenant(api.db.app, { tenantId: `${randomUUID()}'; drop table api_keys; --`, mode: 'live' }, async () => 1));
});

test('mode is part of the foreign keys: a test-mode variant cannot point at a live product, even below RLS (finding 5)', async (t) => {
  const { key } = await a.key({ role: 'developer' });
  const product = await api.request('POST', '/v1/products', { token: key, body: { name: 'Live mug', variants: [{ sku: `LIVE-${randomUUID()}`, price: 100, currency: 'USD', inventory_quantity: 1 }] } });
  t.is(product.status, 201);
  // As the owner, so row-level security is out of the way: only the foreign key stands.
  const err = await t.throwsAsync(api.db.owner.query(
    `insert into variants (tenant_id, id, mode, product_id, position, sku, price, currency, inventory_quantity)
     values ($1, 'var_testpointingatlive000000', 'test', $2, 0, 'TEST-1', 100, 'USD', 1)`, [a.id, product.body.id]));
  t.regex(err!.message, /foreign key/);
});

test('herald_app can neither write the global tables nor read password hashes (finding 6)', async (t) => {
  for (const sql of [
    `update tenants set status = 'active' where id = '${b.id}'`,
    'select password_hash from users limit 1',
    'select * from memberships limit 1',
    `insert into organizations (tenant_id, id, name) values ('${a.id}', '${randomUUID()}', 'Mine')`,
  ]) {
    const err = await t.throwsAsync(api.db.app.query(sql), undefined, sql);
    t.regex(err!.message, /permission denied/, sql);
  }
});
