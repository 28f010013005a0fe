import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDuration } from '../../src/config.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'herald-config-'));

test('durations accept ms, s, m, h, d and bare seconds', (t) => {
  t.is(parseDuration('50ms'), 50);
  t.is(parseDuration('5s'), 5000);
  t.is(parseDuration('5m'), 300_000);
  t.is(parseDuration('2h'), 7_200_000);
  t.is(parseDuration('5d'), 432_000_000);
  t.is(parseDuration('30'), 30_000);
  t.is(parseDuration('soon'), undefined);
  t.is(parseDuration('-5s'), undefined);
});

test('defaults follow DESIGN §5', (t) => {
  const c = loadConfig({ HERALD_DATA_DIR: dataDir() });
  t.is(c.port, 8080);
  t.is(c.workerPort, 9090);
  t.deepEqual(c.retryScheduleMs, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  t.is(c.disableAfterMs, 5 * 86_400_000);
  t.is(c.unpaidOrderTtlMs, 86_400_000);
  t.is(c.databaseUrl, undefined);
  t.is(c.metricsPort, undefined, 'metrics only on the worker port unless asked');
  t.is(loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_METRICS_PORT: '9464' }).metricsPort, 9464);
  t.throws(() => loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_METRICS_PORT: 'public' }), { message: /HERALD_METRICS_PORT/ });
});

test('HERALD_UNPAID_ORDER_TTL takes a duration of at least a minute', (t) => {
  t.is(loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_UNPAID_ORDER_TTL: '90m' }).unpaidOrderTtlMs, 5_400_000);
  for (const bad of ['soon', '30s']) {
    const err = t.throws(() => loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_UNPAID_ORDER_TTL: bad }), { instanceOf: ConfigError });
    t.regex(err!.message, /HERALD_UNPAID_ORDER_TTL/, bad);
  }
});

test('dashboard sessions time out after 30 minutes idle and 12 hours in all unless set otherwise', (t) => {
  const c = loadConfig({ HERALD_DATA_DIR: dataDir() });
  t.is(c.sessionIdleMs, 30 * 60_000);
  t.is(c.sessionMaxAgeMs, 12 * 3_600_000);
  const set = loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_SESSION_IDLE_TIMEOUT: '15m', HERALD_SESSION_MAX_AGE: '8h' });
  t.is(set.sessionIdleMs, 15 * 60_000);
  t.is(set.sessionMaxAgeMs, 8 * 3_600_000);
  const err = t.throws(() => loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_SESSION_IDLE_TIMEOUT: '10s', HERALD_SESSION_MAX_AGE: 'forever' }), { instanceOf: ConfigError });
  t.regex(err!.message, /HERALD_SESSION_IDLE_TIMEOUT[\s\S]*HERALD_SESSION_MAX_AGE/, 'both reported at once');
});

test('development generates the secrets once and keeps them under the data dir', (t) => {
  const dir = dataDir();
  const first = loadConfig({ HERALD_DATA_DIR: dir });
  const second = loadConfig({ HERALD_DATA_DIR: dir });
  t.true(first.generatedSecrets);
  t.is(first.adminToken, second.adminToken);
  t.is(first.jwtSecret, second.jwtSecret);
  t.is(first.encryptionKey.length, 32);
  t.is(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).HERALD_ADMIN_TOKEN, first.adminToken);
});

test('production requires the secrets and reports every bad key at once', (t) => {
  const err = t.throws(() => loadConfig({
    NODE_ENV: 'production', PORT: '99999', HERALD_RETRY_SCHEDULE: '5s,later', HERALD_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/33',
    LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x',
  }), { instanceOf: ConfigError }) as ConfigError;
  const keys = err.problems.map((p) => p.split(':')[0]).sort();
  t.deepEqual(keys, ['DATABASE_URL', 'HERALD_ADMIN_TOKEN', 'HERALD_ALLOW_PRIVATE_NETWORKS', 'HERALD_ENCRYPTION_KEY', 'HERALD_JWT_SECRET', 'HERALD_RETRY_SCHEDULE', 'HERALD_RUNTIME_DATABASE_URL', 'LOG_LEVEL', 'PORT']);
});

test('with DATABASE_URL the API and workers need the runtime login; herald migrate needs only the owner\'s', (t) => {
  const env = { HERALD_DATA_DIR: dataDir(), DATABASE_URL: 'postgres://owner@db/herald' };
  const err = t.throws(() => loadConfig(env), { instanceOf: ConfigError }) as ConfigError;
  t.deepEqual(err.problems.map((p) => p.split(':')[0]), ['HERALD_RUNTIME_DATABASE_URL']);
  t.is(loadConfig(env, { migrateOnly: true }).databaseUrl, env.DATABASE_URL);
  const runtime = loadConfig({ ...env, HERALD_RUNTIME_DATABASE_URL: 'postgres://herald_app:pw@db/herald' });
  t.is(runtime.runtimeDatabaseUrl, 'postgres://herald_app:pw@db/herald');
  const onlyRuntime = t.throws(() => loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_RUNTIME_DATABASE_URL: 'postgres://herald_app@db/h' }, { migrateOnly: true }), { instanceOf: ConfigError }) as ConfigError;
  t.deepEqual(onlyRuntime.problems.map((p) => p.split(':')[0]), ['DATABASE_URL']);
});

test('an encryption key must be 32 bytes of base64', (t) => {
  const err = t.throws(() => loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_ENCRYPTION_KEY: 'c2hvcnQ=' }), { instanceOf: ConfigError });
  t.regex(err!.message, /HERALD_ENCRYPTION_KEY/);
});

test('allow-listed networks parse as CIDRs', (t) => {
  const c = loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8, ::1/128' });
  t.deepEqual(c.allowPrivateNetworks.map((n) => n.text), ['127.0.0.0/8', '::1/128']);
});

test('retention settings: events 30d, audit entries 365d and abandoned carts 30d by default, each with a floor', (t) => {
  const c = loadConfig({ HERALD_DATA_DIR: dataDir() });
  t.is(c.eventRetentionMs, 30 * 86_400_000);
  t.is(c.auditRetentionMs, 365 * 86_400_000);
  t.is(c.cartRetentionMs, 30 * 86_400_000);
  const set = loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_AUDIT_RETENTION: '90d', HERALD_CART_RETENTION: '7d' });
  t.is(set.auditRetentionMs, 90 * 86_400_000);
  t.is(set.cartRetentionMs, 7 * 86_400_000);
  const err = t.throws(() => loadConfig({ HERALD_DATA_DIR: dataDir(), HERALD_AUDIT_RETENTION: '1h', HERALD_CART_RETENTION: '1d', HERALD_EVENT_RETENTION: 'forever' }), { instanceOf: ConfigError });
  for (const key of ['HERALD_AUDIT_RETENTION', 'HERALD_CART_RETENTION', 'HERALD_EVENT_RETENTION']) t.regex(err!.message, new RegExp(key));
});
