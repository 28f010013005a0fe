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

/** What a pool reports when the database drops its connections (a restart, a failover). */
export type PoolErrorLog = (err: Error) => void;

/**
 * Bounds on waiting for the database, so that while it is down a request fails fast (and is
 * answered 503) instead of queueing: a new connection (or a wait for a free one) gives up after
 * CONNECT_TIMEOUT_MS, and TCP keep-alives probe idle connections. The owner's pool (migrations)
 * has no statement bound: a migration may take long.
 */
const CONNECT_TIMEOUT_MS = 3_000;
const KEEP_ALIVE_MS = 10_000;
/**
 * The runtime's statements are short by design (batches are bounded); one that has not answered
 * in this long means a server that stopped answering without closing its connections (a frozen
 * host, a network partition), and fails like a lost connection instead of hanging its request.
 */
const QUERY_TIMEOUT_MS = 15_000;

export function createAppPool(databaseUrl: string, max = 10, onError?: PoolErrorLog): Pool {
  return guarded(new pg.Pool({
    connectionString: databaseUrl, max, options: `-c role=${APP_ROLE}`, application_name: 'herald',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: KEEP_ALIVE_MS,
  }), onError);
}

export function createOwnerPool(databaseUrl: string, max = 2, onError?: PoolErrorLog): Pool {
  return guarded(new pg.Pool({
    connectionString: databaseUrl, max, application_name: 'herald-owner',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: KEEP_ALIVE_MS,
  }), onError);
}

/**
 * A restart or failover of the database ends every connection, and must not end the process. An
 * idle client's error reaches the pool ('error', logged here; the pool drops the client). A client
 * checked out at that moment emits 'error' on itself, which Node throws as an unhandled 'error'
 * event unless someone listens: every client gets a listener for its whole life. Its work fails
 * with the same error (the query's promise rejects, or the next query does), and releasing it
 * drops it, so the pool reconnects on the next checkout.
 */
function guarded(pool: Pool, onError: PoolErrorLog = (err) => process.emitWarning(`database client error: ${err.message}`)): Pool {
  pool.on('error', (err) => onError(err));
  pool.on('connect', (client) => client.on('error', () => {}));
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
