// The schema's tenancy rules, read from pg_catalog, so a table added later cannot forget them
// (DESIGN §1, §7): every table holding a tenant_id has row-level security enabled and forced, with
// a policy reading the pinned tenant (and the mode, on tenant tables) in both its clauses; a
// tenant table (a Citus distributed table) has tenant_id at the head of its primary key and in
// every unique constraint and index, its foreign keys to other tenant tables carry tenant_id and
// mode on both sides; the global tables are out of herald_app's reach.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

/** Global (reference) tables: tenant_id is a column, not the distribution key, and there is no mode. */
const GLOBAL_WITH_TENANT_ID = ['organizations', 'memberships', 'domain_routes', 'dashboard_sessions'];
/** Global tables the runtime reaches only through narrow SECURITY DEFINER functions. */
const OUT_OF_REACH = ['tenants', 'organizations', 'users', 'memberships', 'domain_routes', 'rate_limits', 'dashboard_sessions'];

const query = async (sql: string, params: unknown[] = []) => (await api.db.owner.query(sql, params)).rows;

async function tablesWithTenantId(): Promise<string[]> {
  const rows = await query(`
    select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and a.attname = 'tenant_id' and not a.attisdropped
     order by 1`);
  return rows.map((r) => r.relname);
}

test('the catalog holds the tables these rules are about', async (t) => {
  const tables = await tablesWithTenantId();
  for (const expected of ['api_keys', 'products', 'variants', 'product_images', 'orders', 'carts', 'checkouts', 'settings', 'pages', 'events', 'outbox',
    'deliveries', 'delivery_attempts', 'audit_log', 'memberships', 'domain_routes', 'dashboard_sessions', 'dashboard_hours', 'dashboard_rollups']) {
    t.true(tables.includes(expected), expected);
  }
});

test('every table with a tenant_id has row-level security enabled and forced, with a policy', async (t) => {
  const rows = await query(`
    select c.relname, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
           exists (select 1 from pg_policy p where p.polrelid = c.oid) as has_policy
      from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname = any ($1)`, [await tablesWithTenantId()]);
  const problems = rows.flatMap((r) => [
    !r.enabled && `${r.relname}: row-level security not enabled`,
    !r.forced && `${r.relname}: row-level security not forced`,
    !r.has_policy && `${r.relname}: no policy`,
  ]).filter(Boolean);
  t.deepEqual(problems, []);
});

test('every policy reads the pinned tenant (and, on tenant tables, the mode) in both its clauses', async (t) => {
  const tables = await tablesWithTenantId();
  const policies = await query('select tablename, policyname, qual, with_check from pg_policies where schemaname = \'public\' and tablename = any ($1)', [tables]);
  const tenant = /tenant_id = \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::uuid/;
  const mode = /mode = NULLIF\(current_setting\('app\.mode'::text, true\), ''::text\)/;
  const problems: string[] = [];
  for (const p of policies) {
    for (const [clause, text] of [['using', p.qual], ['with check', p.with_check]]) {
      if (!tenant.test(text ?? '')) problems.push(`${p.tablename}.${p.policyname} ${clause}: does not compare tenant_id with app.tenant_id`);
      if (!GLOBAL_WITH_TENANT_ID.includes(p.tablename) && !mode.test(text ?? '')) problems.push(`${p.tablename}.${p.policyname} ${clause}: does not compare mode with app.mode`);
    }
  }
  t.true(policies.length >= tables.length, 'every table\'s policies are read');
  t.deepEqual(problems, []);
});

test('every tenant table has a mode and tenant_id at the head of its primary key and in every unique constraint and index', async (t) => {
  const tenantTables = (await tablesWithTenantId()).filter((n) => !GLOBAL_WITH_TENANT_ID.includes(n));
  const problems: string[] = [];
  const modeless = await query(`
    select c.relname from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname = any ($1)
       and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'mode' and not a.attisdropped)`, [tenantTables]);
  for (const r of modeless) problems.push(`${r.relname}: no mode column`);
  const indexes = await query(`
    select c.relname as tbl, i.relname as idx, x.indisprimary as primary,
           (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum = x.indkey[0]) as first,
           exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attnum = any (x.indkey::int2[]) and a.attname = 'tenant_id') as has_tenant
      from pg_index x join pg_class c on c.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
     where c.relnamespace = 'public'::regnamespace and c.relname = any ($1) and (x.indisunique or x.indisprimary)`, [tenantTables]);
  for (const table of tenantTables) {
    const pk = indexes.find((r) => r.tbl === table && r.primary);
    if (!pk) problems.push(`${table}: no primary key`);
    else if (pk.first !== 'tenant_id') problems.push(`${table}: primary key ${pk.idx} starts with ${pk.first}, not tenant_id`);
  }
  for (const r of indexes) if (!r.has_tenant) problems.push(`${r.tbl}: unique ${r.idx} lacks tenant_id`);
  // Exclusion constraints are uniqueness too.
  const exclusions = await query(`
    select c.conname, r.relname from pg_constraint c join pg_class r on r.oid = c.conrelid
     where c.contype = 'x' and r.relname = any ($1)
       and not exists (select 1 from pg_attribute a where a.attrelid = r.oid and a.attnum = any (c.conkey) and a.attname = 'tenant_id')`, [tenantTables]);
  for (const r of exclusions) problems.push(`${r.relname}: exclusion ${r.conname} lacks tenant_id`);
  t.deepEqual(problems, []);
});

test('every foreign key between tenant tables carries tenant_id, and mode where both sides have one', async (t) => {
  const rows = await query(`
    select c.conname, r.relname as child, p.relname as parent,
           (select array_agg(array[ca.attname::text, pa.attname::text] order by k.i)
              from unnest(c.conkey, c.confkey) with ordinality as k (ck, pk, i)
              join pg_attribute ca on ca.attrelid = c.conrelid and ca.attnum = k.ck
              join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = k.pk) as pairs,
           exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'mode' and not a.attisdropped) as child_mode,
           exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'mode' and not a.attisdropped) as parent_mode
      from pg_constraint c join pg_class r on r.oid = c.conrelid join pg_class p on p.oid = c.confrelid
     where c.contype = 'f' and r.relnamespace = 'public'::regnamespace
       and exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'tenant_id')
       and exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'tenant_id')`);
  t.true(rows.length >= 10, 'the foreign keys are found');
  const problems: string[] = [];
  const has = (pairs: string[][], column: string) => pairs.some(([c, p]) => c === column && p === column);
  for (const r of rows) {
    if (!has(r.pairs, 'tenant_id')) problems.push(`${r.child}.${r.conname} → ${r.parent}: lacks tenant_id`);
    if (r.child_mode && r.parent_mode && !has(r.pairs, 'mode')) problems.push(`${r.child}.${r.conname} → ${r.parent}: lacks mode`);
  }
  t.deepEqual(problems, []);
});

test('herald_app holds no privilege on the global tables and can become no other role', async (t) => {
  const rows = await query(`
    select t as table_name, has_table_privilege('herald_app', t, 'select, insert, update, delete, truncate, references, trigger') as any_privilege
      from unnest($1::text[]) t`, [OUT_OF_REACH]);
  t.deepEqual(rows.filter((r) => r.any_privilege).map((r) => r.table_name), []);
  const columns = await query(`
    select count(*)::int as n from information_schema.column_privileges where grantee = 'herald_app' and table_name = any ($1)`, [OUT_OF_REACH]);
  t.is(columns[0].n, 0, 'no column privileges either');
  const memberships = await query(`select r.rolname from pg_roles r where pg_has_role('herald_app', r.oid, 'MEMBER') and r.rolname <> 'herald_app'`);
  t.deepEqual(memberships, []);
});

test('no function herald_app may call returns a password hash', async (t) => {
  const rows = await query(`
    select p.proname,
           array(select x.name from unnest(p.proargnames, coalesce(p.proargmodes, '{}')) as x (name, mode) where x.mode in ('o', 't', 'b')) as outputs
      from pg_proc p
     where p.pronamespace = 'public'::regnamespace and has_function_privilege('herald_app', p.oid, 'execute')`);
  t.true(rows.some((r) => r.proname === 'password_params'), 'the login functions are there');
  t.deepEqual(rows.filter((r) => r.outputs.some((n: string) => /password|hash/.test(n))).map((r) => r.proname), []);
  // password_params returns the parameters and salt only: the hash is not in it.
  const user = (await api.admin('POST', '/admin/v1/users', { email: `salt-${Date.now()}@example.com`, password: 'correct horse battery' })).body;
  const [params] = await query('select params from password_params($1::uuid, null)', [user.id]);
  const [stored] = await query('select password_hash from users where id = $1', [user.id]);
  t.is(stored.password_hash.split('$').length, 6);
  t.is(params.params, stored.password_hash.split('$').slice(0, 5).join('$'));
});
