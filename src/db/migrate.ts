// Forward-only migrations from sql/NNN_name.sql, applied in order under an advisory lock (so
// concurrent starts are safe) and recorded in herald_migrations. Then pg-boss's own schema is
// installed and its queues created, also as the owner, and herald_app is granted what it uses.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { QUEUES } from '../delivery/queues.ts';
import { createOwnerPool, type Pool } from './pool.ts';

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

/** Applies pending migrations; returns the names applied (empty when already current). */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const pool = createOwnerPool(databaseUrl, 1);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
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
    await installQueues(databaseUrl);
    await client.query(`grant select on herald_migrations to herald_app;
      grant usage on schema pgboss to herald_app;
      grant select, insert, update, delete on all tables in schema pgboss to herald_app;
      grant usage, select on all sequences in schema pgboss to herald_app;
      grant execute on all functions in schema pgboss to herald_app;
      alter default privileges in schema pgboss grant select, insert, update, delete on tables to herald_app;
      alter default privileges in schema pgboss grant usage, select on sequences to herald_app;
      alter default privileges in schema pgboss grant execute on functions to herald_app;`);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
    await pool.end();
  }
  return applied;
}

async function installQueues(databaseUrl: string): Promise<void> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: 2, supervise: false, schedule: false, migrate: true, createSchema: true });
  boss.on('error', () => {});
  await boss.start();
  try {
    for (const [name, options] of Object.entries(QUEUES)) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name, options);
      else await boss.updateQueue(name, options);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

/** For /readyz: the database answers and every migration file is applied. */
export async function migrationsCurrent(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query('select coalesce(max(version), 0) as v from herald_migrations');
  return rows[0].v >= latestVersion();
}
