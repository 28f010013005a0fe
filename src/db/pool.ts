// Connection pools. The runtime connects with the DATABASE_URL credentials but as the role
// `herald_app` (set at connection start, so `RESET ROLE` stays herald_app): not the table owner,
// not superuser, not BYPASSRLS, so row-level security applies to every statement.
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

/** Refuse to run if the runtime role could read across tenants. */
export async function assertRuntimeRoleIsConfined(pool: Pool): Promise<void> {
  const { rows } = await pool.query(
    `select current_user as role, r.rolsuper as super, r.rolbypassrls as bypass,
            exists (select 1 from pg_tables where tableowner = current_user and schemaname = 'public') as owns
       from pg_roles r where r.rolname = current_user`,
  );
  const r = rows[0];
  if (!r || r.super || r.bypass || r.owns) {
    throw new Error(`refusing to start: runtime role ${r?.role} can bypass row-level security (superuser, BYPASSRLS or table owner)`);
  }
}
