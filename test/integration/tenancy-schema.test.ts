// The schema keeps the tenancy rules of DESIGN §1 and §7 for the shop's tables (issue 15): read
// from the catalog, so a table added without them fails here.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const SHOP_TABLES = ['product_images', 'discounts', 'settings', 'order_numbers', 'carts', 'cart_items', 'checkouts', 'pages', 'posts'];

test('each shop table has tenant_id first in its primary key, a mode column, and forced row-level security with the tenant policy', async (t) => {
  for (const table of SHOP_TABLES) {
    const { rows: [key] } = await api.db.owner.query(
      `select (select a.attname from pg_attribute a where a.attrelid = c.conrelid and a.attnum = c.conkey[1]) as first
         from pg_constraint c where c.conrelid = $1::regclass and c.contype = 'p'`, [table]);
    t.is(key?.first, 'tenant_id', `${table}: primary key`);
    const { rows: [mode] } = await api.db.owner.query(`select 1 from pg_attribute where attrelid = $1::regclass and attname = 'mode' and not attisdropped`, [table]);
    t.truthy(mode, `${table}: mode`);
    const { rows: [rls] } = await api.db.owner.query('select relrowsecurity, relforcerowsecurity from pg_class where oid = $1::regclass', [table]);
    t.deepEqual(rls, { relrowsecurity: true, relforcerowsecurity: true }, `${table}: RLS`);
    const { rows: policies } = await api.db.owner.query('select qual, with_check from pg_policies where tablename = $1', [table]);
    t.is(policies.length, 1, table);
    for (const clause of [policies[0].qual, policies[0].with_check]) {
      t.regex(clause, /tenant_id = \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::uuid/, table);
      t.regex(clause, /mode = NULLIF\(current_setting\('app\.mode'::text, true\), ''::text\)/, table);
    }
  }
});

test('every foreign key between tenant tables from a shop table includes tenant_id and mode', async (t) => {
  const { rows } = await api.db.owner.query(
    `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent,
            array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns
       from pg_constraint c where c.contype = 'f' and (c.conrelid::regclass::text = any($1::text[]) or (c.conrelid = 'orders'::regclass and c.confrelid = 'checkouts'::regclass))`,
    [SHOP_TABLES]);
  t.true(rows.length >= 8);
  for (const fk of rows.filter((r) => r.parent !== 'tenants')) {
    t.deepEqual(fk.columns.slice(0, 2), ['tenant_id', 'mode'], `${fk.child} → ${fk.parent}`);
  }
});

test('the runtime role cannot write past row-level security into another tenant\'s shop tables', async (t) => {
  const { rows } = await api.db.app.query(`select has_table_privilege('herald_app', 'checkouts', 'delete') as can`);
  t.false(rows[0].can, 'checkouts are never deleted by the app');
  for (const table of SHOP_TABLES) {
    const { rows: [n] } = await api.db.app.query(`select count(*)::int as n from ${table}`);
    t.is(n.n, 0, `${table} with no tenant set`);
  }
});
