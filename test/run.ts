// `npm test`: one PostgreSQL server for the whole run (the embedded one, or DATABASE_URL's),
// a migrated template database that each test file clones, then ava: the unit and integration
// tests, then — last and one at a time — the browser tests in headless Chromium (test/browser/).
// Ends with the plain summary line `N passed, M failed` counting both. Extra arguments go to ava
// (e.g. a file to run alone; a file under test/browser/ goes to the browser run).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbedded } from '../src/db/embedded.ts';
import { migrate } from '../src/runtime.ts';

const TEMPLATE = `herald_template_${process.pid}`;

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function main(): Promise<number> {
  let serverUrl = process.env.DATABASE_URL;
  // The runtime login (herald_app): given, or enabled below with a password of this run.
  let runtimeUrl = process.env.HERALD_RUNTIME_DATABASE_URL;
  let runtimePassword: string | undefined;
  let stop = async () => {};
  let dataDir: string | undefined;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'herald-test-'));
    const server = await startEmbedded(dataDir, { durable: false });
    serverUrl = server.url;
    runtimeUrl = server.runtimeUrl;
    runtimePassword = server.runtimePassword;
    stop = server.stop;
  } else if (!runtimeUrl) {
    runtimePassword = randomBytes(18).toString('base64url');
    const url = new URL(serverUrl);
    url.username = 'herald_app';
    url.password = runtimePassword;
    runtimeUrl = url.toString();
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE}`);
  await admin.query(`create database ${TEMPLATE}`);
  await migrate(databaseUrl(serverUrl, TEMPLATE), { runtimePassword });

  const env = { ...process.env, NODE_ENV: 'test', HERALD_TEST_SERVER_URL: serverUrl, HERALD_TEST_RUNTIME_SERVER_URL: runtimeUrl, HERALD_TEST_TEMPLATE: TEMPLATE, HERALD_TEST_RUN: String(process.pid) };
  // Extra arguments name files to run alone: browser test files go to the browser run only.
  const args = process.argv.slice(2);
  const browserArgs = args.filter((a) => a.includes('test/browser/'));
  const otherArgs = args.filter((a) => !a.includes('test/browser/'));
  const runMain = args.length === 0 || otherArgs.length > 0;
  const runBrowser = args.length === 0 || browserArgs.length > 0;

  const main = runMain ? await runAva(otherArgs, env) : { code: 0, passed: 0, failed: 0 };
  // Last and serially: the browser tests (test/browser/, their own ava config), in headless Chromium.
  let browser = { code: 0, passed: 0, failed: 0 };
  if (runBrowser) {
    const chromium = ensureChromium();
    browser = chromium
      ? await runAva(['--config', 'test/browser/ava.config.js', ...browserArgs], { ...env, HERALD_CHROMIUM: chromium })
      : { code: 1, passed: 0, failed: 1 };
  }
  const passed = main.passed + browser.passed;
  const failed = main.failed + browser.failed;
  const code = main.code || browser.code;
  // A crashed or empty run must not read as green.
  process.stdout.write(`\n${passed} passed, ${code === 0 ? failed : Math.max(failed, 1)} failed\n`);

  // Test databases are dropped with the server; against DATABASE_URL drop what this run made.
  const { rows } = await admin.query(`select datname from pg_database where datname like $1 or datname = $2`, [`herald_t_${process.pid}_%`, TEMPLATE]);
  if (process.env.DATABASE_URL) for (const r of rows) await admin.query(`drop database if exists ${r.datname} with (force)`).catch(() => {});
  await admin.end();
  await stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  return code;
}

/** Runs ava with these arguments; its status and counts (its closing counts, or its per-test marks when it closes early). */
function runAva(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; passed: number; failed: number }> {
  return new Promise((resolve) => {
    const ava = spawn(process.execPath, [join(import.meta.dirname, '../node_modules/ava/entrypoints/cli.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    const tee = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      to.write(chunk);
    };
    ava.stdout.on('data', tee(process.stdout));
    ava.stderr.on('data', tee(process.stderr));
    ava.on('close', (status) => {
      const count = (re: RegExp) => Number(re.exec(output)?.[1] ?? 0);
      const lines = (re: RegExp) => output.split('\n').filter((l) => re.test(l)).length;
      const passed = Math.max(count(/(\d+) tests? passed/), lines(/^\s*✔/));
      const failed = Math.max(
        count(/(\d+) tests? failed/) + count(/(\d+) uncaught exceptions?/) + count(/(\d+) unhandled rejections?/),
        lines(/^\s*✘/),
      );
      const code = status ?? 1;
      resolve({ code, passed, failed: code === 0 ? failed : Math.max(failed, 1) });
    });
  });
}

const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y chromium';

/**
 * The browser tests drive Debian's Chromium (never a downloaded browser). Missing, it is installed
 * when this runs as root (CI does); otherwise the run fails saying how to install it.
 */
function ensureChromium(): string | undefined {
  const found = () => ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (found()) return found();
  if (process.getuid?.() === 0) {
    process.stdout.write(`chromium is missing: installing it (${INSTALL_CHROMIUM})\n`);
    const install = spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)`], { stdio: 'inherit' });
    if (install.status === 0 && found()) return found();
  }
  process.stdout.write(`\n✘ the browser tests need Chromium, which is missing: run \`${INSTALL_CHROMIUM}\` (as root), then npm test again\n`);
  return undefined;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
});
