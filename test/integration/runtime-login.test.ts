// The runtime database login can be nothing but herald_app (DESIGN §1, §5; issue 12, finding 1):
// no SET ROLE or SET SESSION AUTHORIZATION to the owner, and Herald refuses to start on a login
// that is, or can become, a role that bypasses row-level security, owns tables, or is any other role.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { assertRuntimeRoleIsConfined, createAppPool } from '../../src/db/pool.ts';
import { startApi, type TestApi } from '../helpers/api.ts';

let api: TestApi;
const made: string[] = [];
let ownedTable: string | undefined;
test.before(async () => { api = await startApi(); });
test.after.always(async () => {
  if (ownedTable) await api.db.owner.query(`drop table if exists ${ownedTable}`);
  for (const role of made.reverse()) await api.db.owner.query(`drop role if exists ${role}`).catch(() => {});
  await api?.close();
});

const owner = async (sql: string) => api.db.owner.query(sql);

/** A new login role (cluster-wide, dropped after the file) with `memberOf` roles; returns a URL for it. */
async function login(memberOf: string[], attributes = ''): Promise<string> {
  const name = `herald_t_login_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await owner(`create role ${name} login password '${password}' ${attributes}`);
  made.push(name);
  for (const role of memberOf) await owner(`grant ${role} to ${name}`);
  const url = new URL(api.db.runtimeUrl);
  url.username = name;
  url.password = password;
  return url.toString();
}

async function confined(url: string): Promise<string | undefined> {
  const pool = createAppPool(url, 1);
  try {
    await assertRuntimeRoleIsConfined(pool);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await pool.end();
  }
}

test('the runtime logs in as herald_app and can become no other role', async (t) => {
  const ownerName = (await owner('select current_user as name')).rows[0].name;
  const client = await api.db.app.connect();
  try {
    t.deepEqual((await client.query('select session_user::text as login, current_user::text as role')).rows, [{ login: 'herald_app', role: 'herald_app' }]);
    for (const escape of [`set role ${ownerName}`, `set session authorization ${ownerName}`, 'set role herald_lookup', 'set role postgres']) {
      const err = await client.query(escape).catch((e) => e);
      t.truthy(err instanceof Error, escape);
      t.regex(err.message, /permission denied|does not exist/, escape);
    }
    await client.query('reset role');
    t.is((await client.query('select current_user::text as role')).rows[0].role, 'herald_app');
  } finally {
    client.release();
  }
});

test('a login whose only role is herald_app is accepted, and acts as herald_app', async (t) => {
  const url = await login(['herald_app'], 'noinherit');
  t.is(await confined(url), undefined);
  const pool = createAppPool(url, 1);
  t.is((await pool.query('select current_user::text as role')).rows[0].role, 'herald_app');
  await pool.end();
});

test('Herald refuses a runtime login that is, or can become, a role that bypasses row-level security', async (t) => {
  t.regex((await confined(api.db.url))!, /refusing to start: .*superuser/, 'the owner\'s login (a superuser here)');
  t.regex((await confined(await login(['herald_app', 'herald_lookup'])))!, /can become herald_lookup/, 'a BYPASSRLS role');
  t.regex((await confined(await login(['herald_app'], 'createrole')))!, /CREATEROLE/);
  t.regex((await confined(await login(['herald_app', 'pg_read_all_data'])))!, /pg_read_all_data, not only herald_app/);
  const ownerName = (await owner('select current_user as name')).rows[0].name;
  t.regex((await confined(await login(['herald_app', ownerName])))!, /superuser/, 'a member of the owner');
  // A role that owns a table, reachable through membership.
  const tableOwner = `herald_t_owner_${randomBytes(4).toString('hex')}`;
  await owner(`create role ${tableOwner} nologin`);
  made.push(tableOwner);
  ownedTable = `owned_${randomBytes(4).toString('hex')}`;
  await owner(`create table ${ownedTable} (x int); alter table ${ownedTable} owner to ${tableOwner}`);
  t.regex((await confined(await login(['herald_app', tableOwner])))!, /which owns tables/);
});
