// Process plumbing shared by every role: the database (embedded or DATABASE_URL), migrations
// (Herald's SQL, then the job queue's schema), the app pool, and the HTTP listeners.
import type { Server } from 'node:http';
import { join } from 'node:path';
import type Koa from 'koa';
import type { Config } from './config.ts';
import { startEmbedded } from './db/embedded.ts';
import { applyMigrations, withMigrationLock } from './db/migrate.ts';
import { assertRuntimeRoleIsConfined, createAppPool, type Pool } from './db/pool.ts';
import type { Logger } from './logger.ts';
import { installQueues } from './queue/index.ts';

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  const server = await startEmbedded(join(config.dataDir, 'postgres'));
  logger.info({ data_dir: config.dataDir }, 'embedded PostgreSQL ready');
  return { url: server.url, embedded: true, stop: server.stop };
}

/** Applies pending migrations and installs the queues; returns the migrations applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  return withMigrationLock(databaseUrl, async (client) => {
    const applied = await applyMigrations(client);
    await installQueues(databaseUrl, client);
    return applied;
  });
}

/** Migrates (safe when several processes start at once), then opens the confined app pool. */
export async function prepareDatabase(db: Database, logger: Logger, poolSize = 10): Promise<Pool> {
  const applied = await migrate(db.url);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const pool = createAppPool(db.url, poolSize);
  await assertRuntimeRoleIsConfined(pool);
  return pool;
}

export async function listen(app: Koa, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** Stops accepting, lets in-flight requests finish (bounded), then drops idle keep-alives. */
export async function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
