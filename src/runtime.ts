// Process plumbing shared by every role: the database (embedded or DATABASE_URL), migrations
// (Herald's SQL, then the job queue's schema), the app pool, and the HTTP listeners.
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type Koa from 'koa';
import type { Config } from './config.ts';
import { startEmbedded } from './db/embedded.ts';
import { applyMigrations, enableRuntimeLogin, migrationsCurrent, withMigrationLock } from './db/migrate.ts';
import { assertRuntimeRoleIsConfined, createAppPool, type Pool } from './db/pool.ts';
import { isDatabaseUnavailable } from './errors.ts';
import { logFailure, type Logger } from './logger.ts';
import { installQueues } from './queue/index.ts';

export interface Database {
  /** The owner's login (migrations), when this process has it: DATABASE_URL, or the embedded superuser. */
  ownerUrl: string | undefined;
  /** The runtime login, which can be nothing but herald_app (HERALD_RUNTIME_DATABASE_URL). */
  runtimeUrl: string;
  /** For the embedded server: herald_app's password, which `herald migrate` sets. */
  runtimePassword?: string;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl || config.runtimeDatabaseUrl) {
    return { ownerUrl: config.databaseUrl, runtimeUrl: config.runtimeDatabaseUrl ?? '', stop: async () => {} };
  }
  const server = await startEmbedded(join(config.dataDir, 'postgres'));
  logger.info({ data_dir: config.dataDir }, 'embedded PostgreSQL ready');
  return { ownerUrl: server.url, runtimeUrl: server.runtimeUrl, runtimePassword: server.runtimePassword, stop: server.stop };
}

/** Applies pending migrations and installs the queues; returns the migrations applied. */
export async function migrate(databaseUrl: string, options: { runtimePassword?: string } = {}): Promise<string[]> {
  return withMigrationLock(databaseUrl, async (client) => {
    const applied = await applyMigrations(client);
    await installQueues(databaseUrl, client);
    if (options.runtimePassword) await enableRuntimeLogin(client, options.runtimePassword);
    return applied;
  });
}

/** `herald migrate`, and every role at start when it has the owner's login. */
export async function migrateDatabase(db: Database): Promise<string[]> {
  if (!db.ownerUrl) throw new Error('migrations need the owner\'s login: set DATABASE_URL');
  return migrate(db.ownerUrl, { runtimePassword: db.runtimePassword });
}

/**
 * Migrates when this process has the owner's login (safe when several processes start at once),
 * then opens the app pool on the runtime login and refuses to go on unless that login is confined
 * to herald_app and the schema is current.
 */
export async function prepareDatabase(db: Database, logger: Logger, poolSize = 10): Promise<Pool> {
  if (db.ownerUrl) {
    const applied = await migrateDatabase(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const pool = createAppPool(db.runtimeUrl, poolSize, (err) => logFailure(logger, err, 'database connection lost'));
  try {
    await assertRuntimeRoleIsConfined(pool);
    if (!(await migrationsCurrent(pool))) throw new Error('refusing to start: the database is not migrated (run `herald migrate` with DATABASE_URL first)');
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/**
 * Runs `work` (a process's start on the database) until the database answers: a role started
 * during an outage waits for it instead of exiting, logging once a minute. Any other failure
 * (a refused login, an unmigrated schema) is thrown. Undefined when `stopped()` turned true
 * meanwhile (a SIGTERM while waiting).
 */
export async function whenReachable<T>(logger: Logger, work: () => Promise<T>, stopped: () => boolean, retryMs = 2_000): Promise<T | undefined> {
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      logFailure(logger, err, 'starting: waiting for the database');
    }
    for (let waited = 0; waited < retryMs; waited += 100) {
      if (stopped()) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function listen(app: Koa, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.on('clientError', answerClientError);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * A request Node's HTTP parser refuses before the app sees it (a request line or headers over
 * the 16 KiB limit, malformed HTTP) still gets a problem+json answer, then the connection closes.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, title] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = JSON.stringify({ type: 'about:blank', title, status, detail: status === 431 ? 'the request line and headers exceed 16 KiB' : 'malformed HTTP request' });
  socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Stops accepting, lets in-flight requests finish (bounded), then drops idle keep-alives. */
export async function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
