// `npm test`: one PostgreSQL server for the whole run (the embedded one, or DATABASE_URL's),
// a migrated template database that each test file clones, then ava. Ends with the plain
// summary line `N passed, M failed`. Extra arguments go to ava (e.g. a file to run alone).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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

  const code = await new Promise<number>((resolve) => {
    const ava = spawn(process.execPath, [join(import.meta.dirname, '../node_modules/ava/entrypoints/cli.mjs'), ...process.argv.slice(2)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test', HERALD_TEST_SERVER_URL: serverUrl, HERALD_TEST_RUNTIME_SERVER_URL: runtimeUrl, HERALD_TEST_TEMPLATE: TEMPLATE, HERALD_TEST_RUN: String(process.pid) },
    });
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
      // ava's closing counts, or its per-test marks when it closes early (a timeout, a crash).
      const passed = Math.max(count(/(\d+) tests? passed/), lines(/^\s*✔/));
      const failed = Math.max(
        count(/(\d+) tests? failed/) + count(/(\d+) uncaught exceptions?/) + count(/(\d+) unhandled rejections?/),
        lines(/^\s*✘/),
      );
      // A crashed or empty run must not read as green.
      process.stdout.write(`\n${passed} passed, ${status === 0 ? failed : Math.max(failed, 1)} failed\n`);
      resolve(status ?? 1);
    });
  });

  // Test databases are dropped with the server; against DATABASE_URL drop what this run made.
  const { rows } = await admin.query(`select datname from pg_database where datname like $1 or datname = $2`, [`herald_t_${process.pid}_%`, TEMPLATE]);
  if (process.env.DATABASE_URL) for (const r of rows) await admin.query(`drop database if exists ${r.datname} with (force)`).catch(() => {});
  await admin.end();
  await stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  return code;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
});
