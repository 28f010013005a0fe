// Forward-only migrations from sql/NNN_name.sql, applied in order and recorded in
// herald_migrations. Runs as the owner, under an advisory lock, so concurrent starts are safe.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createOwnerPool, type Pool, type Tx } from './pool.ts';

const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));
const LOCK_KEY = 0x6865726c; // 'herl'

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function migrationFiles(): Migration[] {
  const files = readdirSync(SQL_DIR)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(SQL_DIR + f, 'utf8') }));
  const clash = files.find((m, i) => i > 0 && files[i - 1].version === m.version);
  if (clash) throw new Error(`two migrations share version ${clash.version} (${clash.name}): renumber one, next free is ${files.at(-1)!.version + 1}`);
  return files;
}

export const latestVersion = (): number => Math.max(0, ...migrationFiles().map((m) => m.version));

/** Runs `work` as the owner while holding the migration lock (one migrating process at a time). */
export async function withMigrationLock<T>(databaseUrl: string, work: (client: Tx) => Promise<T>): Promise<T> {
  const owner = createOwnerPool(databaseUrl, 1);
  const client = await owner.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    return await work(client);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
    await owner.end();
  }
}

/** Applies pending migrations on `client`; returns the names applied (empty when already current). */
export async function applyMigrations(client: Tx): Promise<string[]> {
  const applied: string[] = [];
  await client.query(`create table if not exists herald_migrations (
    version int primary key, name text not null, applied_at timestamptz not null default now())`);
  const done = new Set((await client.query('select version from herald_migrations')).rows.map((r) => r.version));
  for (const m of migrationFiles()) {
    if (done.has(m.version)) continue;
    await client.query('begin');
    try {
      await client.query(m.sql);
      await client.query('insert into herald_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback');
      throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(m.name);
  }
  await client.query('grant select on herald_migrations to herald_app');
  return applied;
}

/**
 * Lets herald_app log in with `password`: the runtime login of the embedded server, which
 * `herald migrate` creates (DESIGN §5). A login as herald_app can become no other role.
 */
export async function enableRuntimeLogin(client: Tx, password: string): Promise<void> {
  await client.query(`alter role herald_app with login password ${client.escapeLiteral(password)}`);
}

/** For /readyz: the database answers and every migration file is applied. */
export async function migrationsCurrent(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query('select coalesce(max(version), 0) as v from herald_migrations').catch((err) => {
    if ((err as { code?: string }).code === '42P01') return { rows: [{ v: 0 }] }; // never migrated
    throw err;
  });
  return rows[0].v >= latestVersion();
}
