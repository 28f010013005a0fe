// Connection pools. The runtime logs in with HERALD_RUNTIME_DATABASE_URL: a login that can be
// nothing but `herald_app` (herald_app itself, or a login whose only role is herald_app), which
// is not the table owner, not superuser, not BYPASSRLS, so row-level security applies to every
// statement and no SET ROLE or SET SESSION AUTHORIZATION leads anywhere else. The role is also set
// at connection start, so a login that is a member of herald_app (even NOINHERIT) acts as it.
import pg from 'pg';

export type Pool = pg.Pool;
/** A client inside a transaction (from withTenant or transaction). */
export type Tx = pg.PoolClient;

export const APP_ROLE = 'herald_app';

// bigint counts as numbers (they never exceed 2^53 here).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createAppPool(databaseUrl: string, max = 10): Pool {
  return withErrorLog(new pg.Pool({ connectionString: databaseUrl, max, options: `-c role=${APP_ROLE}`, application_name: 'herald' }));
}

export function createOwnerPool(databaseUrl: string, max = 2): Pool {
  return withErrorLog(new pg.Pool({ connectionString: databaseUrl, max, application_name: 'herald-owner' }));
}

function withErrorLog(pool: Pool): Pool {
  // An idle client's error (server restart) must not crash the process; the next checkout reconnects.
  pool.on('error', (err) => process.emitWarning(`idle database client error: ${err.message}`));
  return pool;
}

/**
 * Refuses to run unless the pool's login can be nothing but herald_app: it acts as herald_app, and
 * neither the login nor any role it can become (its memberships, transitively) is superuser,
 * BYPASSRLS or CREATEROLE, owns a table, or is any role but the login itself and herald_app.
 */
export async function assertRuntimeRoleIsConfined(pool: Pool): Promise<void> {
  const { rows } = await pool.query(
    `with reach as (select r.oid, r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole from pg_roles r
                     where pg_has_role(session_user, r.oid, 'MEMBER'))
     select session_user::text as login, current_user::text as role,
            array(select rolname::text from reach where rolname not in (session_user, $1) order by 1) as others,
            array(select rolname::text from reach where rolsuper or rolbypassrls or rolcreaterole order by 1) as powerful,
            array(select distinct pg_get_userbyid(c.relowner)::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where c.relowner in (select oid from reach) and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%') as owners`,
    [APP_ROLE],
  );
  const r = rows[0];
  const reasons = [
    r.role !== APP_ROLE && `it acts as ${r.role}, not ${APP_ROLE}`,
    r.powerful.length && `it can become ${r.powerful.join(', ')} (superuser, BYPASSRLS or CREATEROLE)`,
    r.owners.length && `it can become ${r.owners.join(', ')}, which owns tables`,
    r.others.length && `it can become ${r.others.join(', ')}, not only ${APP_ROLE}`,
  ].filter(Boolean);
  if (reasons.length) {
    throw new Error(`refusing to start: the runtime login ${r.login} can bypass row-level security: ${reasons.join('; ')}. ` +
      `Set HERALD_RUNTIME_DATABASE_URL to a login that can be nothing but ${APP_ROLE} (docs/tenancy.md)`);
  }
}
