// The herald entry point as real processes: migrations under concurrency, operator commands,
// configuration errors and graceful shutdown.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrationFiles } from '../../src/db/migrate.ts';
import { ADMIN_TOKEN, testConfig } from '../helpers/api.ts';
import { freshDatabase, runtimeUrlOf, urlFor } from '../helpers/db.ts';
import { herald } from '../helpers/process.ts';

const secrets = () => {
  const c = testConfig();
  return { HERALD_ADMIN_TOKEN: ADMIN_TOKEN, HERALD_JWT_SECRET: c.jwtSecret, HERALD_ENCRYPTION_KEY: c.encryptionKey.toString('base64') };
};

async function emptyDatabase(): Promise<string> {
  const name = `herald_t_${process.env.HERALD_TEST_RUN}_empty_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.HERALD_TEST_SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return urlFor(name);
}

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

test('two processes migrating an empty database at once both succeed and apply each migration once', async (t) => {
  const url = await emptyDatabase();
  const env = { DATABASE_URL: url, ...secrets() };
  const [first, second] = [herald(['migrate'], env), herald(['migrate'], env)];
  t.deepEqual(await Promise.all([first.exited, second.exited]), [0, 0], first.output() + second.output());
  const rows = await query(url, 'select version, count(*)::int as n from herald_migrations group by version order by version');
  t.deepEqual(rows.map((r) => r.version), migrationFiles().map((m) => m.version));
  t.true(rows.every((r) => r.n === 1));
  // A third run is a no-op.
  const third = herald(['migrate'], env);
  t.is(await third.exited, 0);
  t.regex(third.output(), /migrations already current/);
});

test('operator subcommands print JSON and validate their input', async (t) => {
  const url = await freshDatabase();
  const env = { DATABASE_URL: url, HERALD_RUNTIME_DATABASE_URL: runtimeUrlOf(url), ...secrets() };
  const created = herald(['tenants:create', '--name', 'Corner Shop'], env);
  t.is(await created.exited, 0, created.output());
  const tenant = JSON.parse(created.output());
  t.like(tenant, { object: 'tenant', name: 'Corner Shop', slug: 'corner-shop', status: 'active' });

  const org = herald(['organizations:create', tenant.id, '--name', 'HQ'], env);
  t.is(await org.exited, 0, org.output());
  const orgId = JSON.parse(org.output()).id;
  const key = herald(['api-keys:create', tenant.id, '--org-id', orgId, '--mode', 'test', '--kind', 'secret', '--role', 'owner'], env);
  t.is(await key.exited, 0, key.output());
  t.regex(JSON.parse(key.output()).key, /^hk_test_/);

  const limited = herald(['tenants:update', tenant.id, '--api-rate-limit', '250'], env);
  t.is(await limited.exited, 0, limited.output());
  t.like(JSON.parse(limited.output()), { id: tenant.id, api_rate_limit: 250, status: 'active' });
  const notANumber = herald(['tenants:update', tenant.id, '--api-rate-limit', 'lots'], env);
  t.is(await notANumber.exited, 2, 'a bad flag is a usage error');
  t.is(notANumber.output(), 'herald tenants:update: --api-rate-limit must be a whole number (herald tenants:update --help)\n');

  const bad = herald(['tenants:create', '--name', 'X', '--slug', 'Not A Slug!'], env);
  t.is(await bad.exited, 2);
  t.regex(bad.output(), /^herald tenants:create: 400 --slug: lowercase letters, digits and inner hyphens, at most 63\n$/);
  const duplicate = herald(['tenants:create', '--name', 'Corner Shop'], env);
  t.is(await duplicate.exited, 1);
  t.regex(duplicate.output(), /^herald tenants:create: 409 .+\n$/, 'one line');

  const listed = herald(['tenants:list', '--limit', '5'], env);
  t.is(await listed.exited, 0, listed.output());
  t.like(JSON.parse(listed.output()), { data: [{ id: tenant.id }], has_more: false });
});

test('herald refuses to start when its runtime login can bypass row-level security, e.g. the owner\'s login', async (t) => {
  const url = await freshDatabase();
  const p = herald(['api'], { DATABASE_URL: url, HERALD_RUNTIME_DATABASE_URL: url, PORT: '0', ...secrets() });
  t.not(await p.exited, 0);
  t.regex(p.output(), /refusing to start: the runtime login \w+ can bypass row-level security/);
  const onlyOwner = herald(['api'], { DATABASE_URL: url, PORT: '0', ...secrets() });
  t.is(await onlyOwner.exited, 78, 'DATABASE_URL without HERALD_RUNTIME_DATABASE_URL is a configuration error');
  t.regex(onlyOwner.output(), /HERALD_RUNTIME_DATABASE_URL: required with DATABASE_URL/);
});

test('with only the runtime login, the API serves a migrated database and refuses an unmigrated one', async (t) => {
  const url = await freshDatabase();
  const p = herald(['api'], { HERALD_RUNTIME_DATABASE_URL: runtimeUrlOf(url), PORT: '0', ...secrets() });
  await p.waitFor(/API listening on http:\/\/localhost:(\d+)/);
  const port = /API listening on http:\/\/localhost:(\d+)/.exec(p.output())![1];
  t.is((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  p.child.kill('SIGTERM');
  t.is(await p.exited, 0);
  const empty = await emptyDatabase();
  const unmigrated = herald(['api'], { HERALD_RUNTIME_DATABASE_URL: runtimeUrlOf(empty), PORT: '0', ...secrets() });
  t.not(await unmigrated.exited, 0);
  t.regex(unmigrated.output(), /refusing to start|not migrated/);
});

test('with the embedded server, herald migrate creates the runtime login and the other commands use it', async (t) => {
  t.timeout(90_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-embedded-'));
  try {
    const env = { HERALD_DATA_DIR: dataDir, DATABASE_URL: '', HERALD_RUNTIME_DATABASE_URL: '', ...secrets() };
    const migrated = herald(['migrate'], env);
    t.is(await migrated.exited, 0, migrated.output());
    const created = herald(['tenants:create', '--name', 'Embedded Shop'], { ...env, LOG_LEVEL: 'warn' });
    t.is(await created.exited, 0, created.output());
    t.like(JSON.parse(created.output()), { object: 'tenant', slug: 'embedded-shop' });
    t.true(existsSync(join(dataDir, 'postgres', 'runtime-password')));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('every bad setting is reported at once and the process exits non-zero', async (t) => {
  const p = herald(['api'], { NODE_ENV: 'production', PORT: 'eighty', HERALD_RETRY_SCHEDULE: '5s,soon', HERALD_ADMIN_TOKEN: '', HERALD_JWT_SECRET: '', HERALD_ENCRYPTION_KEY: '' });
  t.is(await p.exited, 78);
  for (const key of ['PORT', 'HERALD_RETRY_SCHEDULE', 'HERALD_ADMIN_TOKEN', 'HERALD_JWT_SECRET', 'HERALD_ENCRYPTION_KEY']) {
    t.true(p.output().includes(key), `${key} reported`);
  }
});

test('SIGTERM twice (as npm sends it) stops accepting, finishes and exits 0', async (t) => {
  const url = await freshDatabase();
  const env = { DATABASE_URL: url, HERALD_RUNTIME_DATABASE_URL: runtimeUrlOf(url), PORT: '0', HERALD_WORKER_PORT: '0', ...secrets() };
  const p = herald(['all'], env);
  await p.waitFor(/API listening on http:\/\/localhost:(\d+)/);
  const port = /API listening on http:\/\/localhost:(\d+)/.exec(p.output())![1];
  t.is((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  p.child.kill('SIGTERM');
  p.child.kill('SIGTERM');
  t.is(await p.exited, 0, p.output());
  t.regex(p.output(), /"msg":"stopped"/);
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/healthz`));
});
