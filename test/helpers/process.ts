// Runs `herald` as a real child process (node workers/index.ts ...) and collects its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestApi } from './api.ts';
import { LOOPBACK } from './delivery.ts';

const ENTRY = fileURLToPath(new URL('../../workers/index.ts', import.meta.url));

export interface HeraldProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Waits until the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** The settings a herald process needs to join a test API's database, keys and address policy. */
export function heraldEnvOf(api: TestApi, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: api.db.url, HERALD_RUNTIME_DATABASE_URL: api.db.runtimeUrl, NODE_ENV: 'test', PORT: '0', HERALD_WORKER_PORT: '0',
    HERALD_ADMIN_TOKEN: api.services.config.adminToken, HERALD_JWT_SECRET: api.services.config.jwtSecret,
    HERALD_ENCRYPTION_KEY: api.services.config.encryptionKey.toString('base64'), HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK, ...extra,
  };
}

export function herald(args: string[], env: Record<string, string>): HeraldProcess {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${output}`);
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${pattern}; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
