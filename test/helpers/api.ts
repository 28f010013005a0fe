// A real Herald API on a loopback port over a fresh database, and a small client for it.
import type { Server } from 'node:http';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { ServiceContext } from '../../src/context.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { Queue } from '../../src/queue/index.ts';
import { closeServer, listen } from '../../src/runtime.ts';
import { testDatabase, type TestDatabase } from './db.ts';
import { randomBytes } from 'node:crypto';

export const ADMIN_TOKEN = `hadm_test_${randomBytes(12).toString('hex')}`;

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    HERALD_ADMIN_TOKEN: ADMIN_TOKEN,
    HERALD_JWT_SECRET: randomBytes(32).toString('hex'),
    HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApi {
  url: string;
  db: TestDatabase;
  services: ServiceContext;
  /** The clock the API's services read (and a delivery stack's worker shares): tests move it forward. */
  clock: ManualClock;
  request<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<Response<T>>;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<Response<T>>;
  close(): Promise<void>;
}

/** `logger`: where the API (and a delivery stack's worker) logs, e.g. to capture its lines. */
export async function startApi(configOverrides: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<TestApi> {
  const db = await testDatabase();
  const config = testConfig({ DATABASE_URL: db.url, HERALD_RUNTIME_DATABASE_URL: db.runtimeUrl, ...configOverrides });
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = new ManualClock();
  const queue = new Queue({ databaseUrl: db.runtimeUrl, role: 'producer', pool: db.app, clock, logger });
  await queue.start();
  const services: ServiceContext = { config, pool: db.app, queue, clock, logger };
  const server: Server = await listen(createApp(services), 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const request: TestApi['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (e.g. metrics text)
    }
    return { status: res.status, headers: res.headers, body: parsed as any };
  };
  return {
    url, db, services, clock, request,
    admin: (method, path, body) => request(method, path, { token: ADMIN_TOKEN, body }),
    close: async () => {
      await closeServer(server, 1000);
      await queue.stop({ graceful: false, timeoutMs: 1_000 });
      await db.close();
    },
  };
}
