// What the delivery benchmarks run on: one durable embedded PostgreSQL (fsync on, as `npm start`
// runs it, with pg_stat_statements loaded for the profile), a fresh database per scenario, Herald
// as real child processes (`herald api` + `herald worker`, or `herald all`), and the receivers'
// process. Peak RSS of each Herald process is sampled from /proc while a scenario runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startEmbedded, type EmbeddedServer } from '../src/db/embedded.ts';
import { migrate } from '../src/runtime.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { forkChild } from './child.ts';
import type { Arrival, Behaviour } from './receiver.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface Server {
  url: string;
  /** herald_app's password on this server: each fresh database's migration gives it LOGIN with it. */
  runtimePassword: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startServer(settings: Record<string, string> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const server: EmbeddedServer = await startEmbedded(dir, { durable: true, settings: { shared_preload_libraries: 'pg_stat_statements', ...settings } });
  return {
    url: server.url, runtimePassword: server.runtimePassword, dir,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, migrated database on the server: its owner's URL and the runtime login's (herald_app). */
export async function freshDatabase(server: Server, name: string): Promise<{ url: string; runtimeUrl: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = databaseUrl(server.url, name);
  await migrate(url, { runtimePassword: server.runtimePassword });
  const runtimeUrl = new URL(url);
  runtimeUrl.username = 'herald_app';
  runtimeUrl.password = server.runtimePassword;
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  await owner.query('create extension if not exists pg_stat_statements');
  await owner.end();
  return {
    url, runtimeUrl: runtimeUrl.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface HeraldProcess {
  role: string;
  child: ChildProcess;
  /** API or worker port. */
  port: number;
  peakRssMb(): number;
  stop(): Promise<void>;
}

export interface HeraldEnv {
  /** The owner's login: the processes migrate with it at start. */
  databaseUrl: string;
  /** The login they run as (HERALD_RUNTIME_DATABASE_URL): nothing but herald_app. */
  runtimeDatabaseUrl: string;
  adminToken: string;
  jwtSecret: string;
  encryptionKey: string;
  logDir: string;
  extra?: Record<string, string>;
}

export function heraldEnv(db: { url: string; runtimeUrl: string }, logDir: string, extra: Record<string, string> = {}): HeraldEnv {
  return {
    databaseUrl: db.url, runtimeDatabaseUrl: db.runtimeUrl, logDir, extra,
    adminToken: randomBytes(16).toString('hex'), jwtSecret: randomBytes(32).toString('hex'), encryptionKey: randomBytes(32).toString('base64'),
  };
}

/** The configuration a Herald process started with `env` loads (for work the harness does in-process). */
export function heraldConfig(env: HeraldEnv): Config {
  return loadConfig({
    DATABASE_URL: env.databaseUrl, HERALD_RUNTIME_DATABASE_URL: env.runtimeDatabaseUrl, HERALD_ADMIN_TOKEN: env.adminToken,
    HERALD_JWT_SECRET: env.jwtSecret, HERALD_ENCRYPTION_KEY: env.encryptionKey, HERALD_DATA_DIR: env.logDir, LOG_LEVEL: 'silent',
    NODE_ENV: 'development', ...env.extra,
  }, { quiet: true });
}

/**
 * How Herald's processes run in production: `npm start` and the Dockerfile give them these flags.
 * A smaller young generation (V8 otherwise grows it to 3 × 32 MB under Herald's allocation rate)
 * and two malloc arenas (not one per thread) take about 100 MB off a busy worker's RSS at the
 * same throughput (docs/benchmarks.md).
 */
export const RUNTIME = { nodeFlags: ['--max-semi-space-size=16'], env: { MALLOC_ARENA_MAX: '2' } };

/** Starts `herald <role>` and waits for its /readyz. Its log goes to a file (a deployment ships logs; the terminal stays readable). */
export async function startHerald(role: 'api' | 'worker' | 'all', env: HeraldEnv, name: string = role, extraNodeFlags: string[] = []): Promise<HeraldProcess> {
  const port = await freePort();
  const workerPort = await freePort();
  const log = createWriteStream(join(env.logDir, `${name}.log`));
  const child = spawn(process.execPath, [...RUNTIME.nodeFlags, ...extraNodeFlags, join(ROOT, 'workers/index.ts'), role], {
    env: {
      ...process.env, DATABASE_URL: env.databaseUrl, HERALD_RUNTIME_DATABASE_URL: env.runtimeDatabaseUrl, PORT: String(port), HERALD_WORKER_PORT: String(workerPort),
      HERALD_ADMIN_TOKEN: env.adminToken, HERALD_JWT_SECRET: env.jwtSecret, HERALD_ENCRYPTION_KEY: env.encryptionKey,
      HERALD_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8', HERALD_DATA_DIR: env.logDir, LOG_LEVEL: 'info', NODE_ENV: 'development', ...RUNTIME.env,
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let peak = 0;
  const sample = setInterval(() => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // exited
    }
  }, 100);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readyPort = role === 'worker' ? workerPort : port;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${readyPort}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`herald ${role} did not start; see ${join(env.logDir, `${name}.log`)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    role, child, port,
    peakRssMb: () => Math.round(peak),
    async stop() {
      clearInterval(sample);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The receivers' process and a handle to read their arrivals. */
export interface Receivers {
  pid: number;
  ports: number[];
  take(): Promise<Arrival[]>;
  stop(): Promise<void>;
}

export async function startReceivers(servers = 3, behaviours: Record<string, Behaviour> = {}): Promise<Receivers> {
  const child = forkChild(join(ROOT, 'bench/receiver.ts'));
  const { ports } = await child.ask<{ ports: number[] }>({ type: 'start', servers, behaviours }, 'started');
  return {
    pid: child.pid,
    ports,
    take: async () => (await child.ask<{ arrivals: Arrival[] }>({ type: 'take' }, 'taken')).arrivals,
    stop: () => child.stop(),
  };
}

/** Waits until `count` arrivals have come in (collecting them), or throws after `timeoutMs`. */
export async function collect(receivers: Receivers, count: number, timeoutMs: number, progress?: (n: number) => void): Promise<Arrival[]> {
  const all: Arrival[] = [];
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  while (all.length < count) {
    all.push(...(await receivers.take()));
    if (progress && Date.now() - lastReport > 2_000) {
      progress(all.length);
      lastReport = Date.now();
    }
    if (all.length >= count) break;
    if (Date.now() > deadline) throw new Error(`only ${all.length} of ${count} webhooks arrived within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return all;
}

/**
 * pg_stat_statements and pg_stat_database counters, to count round trips and commits per delivery.
 * Not counted: the foreign-key checks PostgreSQL runs inside an insert (`… FOR KEY SHARE OF x`,
 * one per row: pg-boss's job table references its queue table), which pg_stat_statements lists as
 * statements of their own although no client sent them.
 */
export async function statementCounters(url: string): Promise<{ calls: number; commits: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(
      `select (select coalesce(sum(calls), 0)::float8 from pg_stat_statements s join pg_database d on d.oid = s.dbid
                where d.datname = current_database() and s.query not like '%pg_stat_%' and s.query not like '%FOR KEY SHARE OF x%') as calls,
              (select xact_commit::float8 from pg_stat_database where datname = current_database()) as commits`,
    );
    return rows[0];
  } finally {
    await c.end();
  }
}

export async function resetStatements(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('select pg_stat_statements_reset()');
  await c.end();
}

/** CPU seconds (user + system) each process has used so far; `postgres` sums the server's processes. */
export function cpuSeconds(pids: Record<string, number>, server?: Server): Record<string, number> {
  const ticks = (pid: number) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15, after pid and comm)
    } catch {
      return 0;
    }
  };
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = ticks(pid) / 100;
  if (server) {
    const postmaster = Number(readFileSync(join(server.dir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    let total = ticks(postmaster);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
        if (Number(stat[1]) === postmaster) total += Number(stat[11]) + Number(stat[12]);
      } catch {
        // gone
      }
    }
    out.postgres = total / 100;
  }
  return out;
}

/** The statements that took the most database time, for the profile. */
export async function topStatements(url: string, limit = 12): Promise<Array<{ query: string; calls: number; totalMs: number; meanMs: number; rows: number }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(
      `select regexp_replace(left(query, 160), '\\s+', ' ', 'g') as query, calls::int, total_exec_time::float8 as "totalMs",
              mean_exec_time::float8 as "meanMs", rows::int
         from pg_stat_statements s join pg_database d on d.oid = s.dbid
        where d.datname = current_database() and s.query not like '%pg_stat_%'
        order by total_exec_time desc limit $1`, [limit]);
    return rows;
  } finally {
    await c.end();
  }
}
