// Rate limits held across API processes (DESIGN §5; issue 12, findings 4 and 11): two API
// "processes" (each its own app and pool, so each its own leased allowance) on one database.
import test from 'ava';
import http from 'node:http';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createAppPool } from '../../src/db/pool.ts';
import { createApp } from '../../src/http/app.ts';
import { closeServer, listen } from '../../src/runtime.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant, tenantWithKey } from '../helpers/factories.ts';
import { shopHostOf } from '../helpers/storefront.ts';

let api: TestApi;
let second: { url: string; logs: string[]; close(): Promise<void> };
const firstLogs: string[] = [];

/** Another API process on the same database: its own app, pool (leases) and log. */
async function anotherProcess(logs: string[]) {
  const pool = createAppPool(api.db.runtimeUrl, 5);
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(line); } });
  const server: Server = await listen(createApp({ ...api.services, pool, logger }), 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    logs,
    async close() {
      await closeServer(server, 1000);
      await pool.end();
    },
  };
}

let first: Awaited<ReturnType<typeof anotherProcess>>;
test.before(async () => {
  api = await startApi();
  first = await anotherProcess(firstLogs);
  second = await anotherProcess([]);
});
test.after.always(async () => {
  await first?.close();
  await second?.close();
  await api?.close();
});

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: any }

/** A request from a chosen loopback address (the rate-limit key). */
function call(base: string, method: string, path: string, options: { token?: string; body?: unknown; from?: string; host?: string } = {}): Promise<Reply> {
  const url = new URL(path, base);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method, localAddress: options.from ?? '127.0.0.1',
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}), ...(options.host ? { host: options.host } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Alternates the requests between the two processes. */
const both = (i: number) => (i % 2 === 0 ? first.url : second.url);

test('wrong operator tokens are logged and limited per client address across processes; then even the right token waits (finding 4)', async (t) => {
  const from = '127.0.0.5';
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await call(both(i), 'GET', '/admin/v1/tenants', { token: `guess-${i}-of-the-admin-token`, from })).status);
  t.deepEqual(statuses, new Array(10).fill(401));
  const limited = await call(second.url, 'GET', '/admin/v1/tenants', { token: 'guess-11', from });
  t.is(limited.status, 429);
  t.true(Number(limited.headers['retry-after']) >= 1);
  t.is((await call(first.url, 'GET', '/admin/v1/tenants', { token: api.services.config.adminToken, from })).status, 429, 'the token is not even read');
  t.is((await call(first.url, 'GET', '/admin/v1/tenants', { token: api.services.config.adminToken, from: '127.0.0.6' })).status, 200, 'another address is not held back');
  const logged = firstLogs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'admin.auth_failed');
  t.is(logged.length, 5, 'each wrong token is logged by the process that saw it');
  t.like(logged[0], { client_address: from, method: 'GET', path: '/admin/v1/tenants', level: 40 });
  t.false(JSON.stringify(logged).includes('guess-0-of-the-admin-token'), 'the guess itself is not logged');
});

test('logins are limited per email across processes', async (t) => {
  const tenant = await createTenant(api);
  const body = { email: `nobody-${randomUUID()}@example.com`, password: 'wrong password', tenant_id: tenant.id, org_id: tenant.orgId };
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await call(both(i), 'POST', '/v1/auth/token', { body, from: `127.0.1.${i + 1}` })).status);
  t.deepEqual(statuses, [...new Array(10).fill(401), 429]);
});

test('token issuing is limited per client address across processes', async (t) => {
  const { key } = await tenantWithKey(api);
  const from = '127.0.0.7';
  const statuses = [];
  for (let i = 0; i < 62; i++) statuses.push((await call(both(i), 'POST', '/v1/auth/token', { token: key, from })).status);
  t.is(statuses.filter((s) => s === 200).length, 60, 'at most 60 a minute in all, not 60 per process');
  t.is(statuses.at(-1), 429);
});

test('storefront requests are limited per client address across processes', async (t) => {
  const tenant = await createTenant(api);
  const from = '127.0.0.9';
  const statuses: number[] = [];
  for (let i = 0; i < 310; i++) statuses.push((await call(both(i), 'GET', '/storefront/v1/products', { from, host: shopHostOf(tenant) })).status);
  t.is(statuses.filter((s) => s === 200).length, 300, 'at most 300 a minute in all, not 300 per process');
  t.is(statuses.at(-1), 429);
  t.is((await call(first.url, 'GET', '/storefront/v1/products', { from: '127.0.0.10', host: shopHostOf(tenant) })).status, 200, 'another address is not held back');
});

test('the per-tenant API limit is set by the operator and holds across processes; other tenants are not held back (finding 11)', async (t) => {
  const limited = await tenantWithKey(api);
  const other = await tenantWithKey(api);
  t.is((await api.admin('GET', `/admin/v1/tenants/${limited.tenant.id}`)).body.api_rate_limit, 1000, 'the default');
  const patched = await api.admin('PATCH', `/admin/v1/tenants/${limited.tenant.id}`, { api_rate_limit: 5 });
  t.is(patched.status, 200);
  t.is(patched.body.api_rate_limit, 5);
  t.is(patched.body.status, 'active', 'the status stays');
  t.is((await api.admin('PATCH', `/admin/v1/tenants/${limited.tenant.id}`, { api_rate_limit: 0 })).status, 400);
  t.is((await api.admin('PATCH', `/admin/v1/tenants/${limited.tenant.id}`, {})).status, 400);

  const started = Date.now();
  const [flood, others] = await Promise.all([
    Promise.all(Array.from({ length: 40 }, (_, i) => call(both(i), 'GET', '/v1/tenant', { token: limited.key }))),
    Promise.all(Array.from({ length: 20 }, (_, i) => call(both(i), 'GET', '/v1/tenant', { token: other.key }))),
  ]);
  const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
  const admitted = flood.filter((r) => r.status === 200).length;
  t.true(admitted >= 1 && admitted <= 5 * seconds, `${admitted} admitted in ${seconds} windows of 5`);
  const refused = flood.filter((r) => r.status === 429);
  t.true(refused.length > 0);
  t.true(refused.every((r) => r.headers['retry-after'] === '1' && r.headers['content-type'] === 'application/problem+json'));
  t.deepEqual(others.map((r) => r.status), new Array(20).fill(200), 'another tenant is not limited by this one');
});

test('one tenant flooding POST /v1/events is refused without stopping another tenant\'s ingestion; refused events are not written', async (t) => {
  const flooding = await tenantWithKey(api);
  const steady = await tenantWithKey(api);
  await api.admin('PATCH', `/admin/v1/tenants/${flooding.tenant.id}`, { api_rate_limit: 10 });
  const event = { type: 'meter.read', data: { value: 1 } };
  const [flood, ingested] = await Promise.all([
    Promise.all(Array.from({ length: 150 }, (_, i) => call(both(i), 'POST', '/v1/events', { token: flooding.key, body: event }))),
    Promise.all(Array.from({ length: 30 }, (_, i) => call(both(i), 'POST', '/v1/events', { token: steady.key, body: event }))),
  ]);
  t.deepEqual(ingested.map((r) => r.status), new Array(30).fill(201));
  const written = flood.filter((r) => r.status === 201).length;
  t.true(flood.some((r) => r.status === 429));
  t.true(flood.every((r) => r.status === 201 || r.status === 429));
  const stored = await call(first.url, 'GET', '/v1/events?type=meter.read&limit=100', { token: steady.key });
  t.is(stored.body.data.length, 30);
  await new Promise((r) => setTimeout(r, 1100)); // a fresh window
  const theirs = await call(first.url, 'GET', '/v1/events?type=meter.read&limit=100', { token: flooding.key });
  t.is(theirs.body.data.length, written, 'each 201 wrote its event, each 429 nothing');
});
