// The dashboard over plain HTTP (its browser tests are in test/browser/): the cookie over https,
// the headers, the session's timeouts and its reach (never /v1), the sign-in rate limit, hostile
// input answered without a 500, and the overview's rollups staying equal to the raw rows.
import { randomInt } from 'node:crypto';
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant } from '../helpers/factories.ts';
import { dashboardScopesDue } from '../../src/db/crossTenant.ts';
import { keepRollupsUpToDate } from '../../src/services/dashboard.ts';

const PASSWORD = 'correct horse battery staple';

let api: TestApi;
let proxied: TestApi;
test.before(async () => {
  api = await startApi();
  proxied = await startApi({ HERALD_TRUST_PROXY: 'true' });
});
test.after.always(async () => {
  await api?.close();
  await proxied?.close();
});

async function owner(on: TestApi = api, role = 'owner') {
  const tenant = await createTenant(on);
  const { key } = await tenant.key({ role: 'owner' });
  const email = `u-${Math.random().toString(36).slice(2)}@example.com`;
  const user = await on.admin('POST', '/admin/v1/users', { email, password: PASSWORD });
  await on.admin('POST', `/admin/v1/tenants/${tenant.id}/memberships`, { user_id: user.body.id, org_id: tenant.orgId, role });
  return { tenant, key, email, userId: user.body.id as string };
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]).filter((c) => !c.endsWith('='));

/** A cookie-keeping client of the dashboard, signed in as `email`. */
async function signedIn(on: TestApi, email: string, headers: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const get = async (path: string) => {
    const res = await fetch(on.url + path, { headers: { ...headers, cookie: cookie() }, redirect: 'manual' });
    keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers };
  };
  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(on.url + path, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(form).toString(),
      headers: { ...headers, cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers, setCookies: res.headers.getSetCookie() };
  };
  const login = await get('/dashboard/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
  const signIn = await post('/dashboard/login', { _csrf: csrf, email, password: PASSWORD });
  const csrfOfPage = async (path = '/dashboard/settings') => /name="_csrf" value="([^"]+)"/.exec((await get(path)).text)?.[1] ?? '';
  return { jar, get, post, signIn, csrfOfPage };
}

test('over https (behind a trusted proxy) the cookie is __Host-herald_session: Secure, HttpOnly, SameSite=Lax, Path=/; pages carry the security headers', async (t) => {
  const { email } = await owner(proxied);
  const https = { 'x-forwarded-proto': 'https' };
  const client = await signedIn(proxied, email, https);
  t.is(client.signIn.status, 303);
  const cookie = client.signIn.setCookies.find((c) => c.startsWith('__Host-herald_session='))!;
  t.truthy(cookie, client.signIn.setCookies.join(' | '));
  t.regex(cookie, /; path=\/(;|$)/);
  t.regex(cookie, /; secure/);
  t.regex(cookie, /; httponly/);
  t.regex(cookie, /; samesite=lax/);
  t.notRegex(cookie, /domain=/i);
  const page = await client.get('/dashboard');
  t.is(page.status, 200);
  const csp = page.headers.get('content-security-policy')!;
  t.regex(csp, /script-src 'self'(;|$)/);
  t.regex(csp, /frame-ancestors 'none'/);
  t.regex(csp, /default-src 'none'/);
  t.is(page.headers.get('x-frame-options'), 'DENY');
  t.is(page.headers.get('x-content-type-options'), 'nosniff');
  t.is(page.headers.get('cache-control'), 'no-store');
  t.regex(page.headers.get('strict-transport-security') ?? '', /max-age=/);
  // The plain-http cookie name is not a session over https.
  const plain = await fetch(`${proxied.url}/dashboard`, { headers: { ...https, cookie: `herald_session=${client.jar.get('__Host-herald_session')}` }, redirect: 'manual' });
  t.is(plain.status, 303);
});

test('the session cookie authenticates /dashboard only: /v1 answers 401 to it', async (t) => {
  const { email } = await owner();
  const client = await signedIn(api, email);
  t.is((await client.get('/dashboard/endpoints')).status, 200);
  const res = await fetch(`${api.url}/v1/webhook-endpoints`, { headers: { cookie: `herald_session=${client.jar.get('herald_session')}` } });
  t.is(res.status, 401);
});

test('a session ends after 30 idle minutes, and 12 hours after sign-in however busy', async (t) => {
  // Its own API: this test moves the clock by hours.
  const api = await startApi();
  t.teardown(() => api.close());
  const { email } = await owner(api);
  const idle = await signedIn(api, email);
  api.clock.advance(29 * 60_000);
  t.is((await idle.get('/dashboard/settings')).status, 200, 'used within the idle timeout');
  api.clock.advance(29 * 60_000);
  t.is((await idle.get('/dashboard/settings')).status, 200, 'each use restarts the idle timeout');
  api.clock.advance(31 * 60_000);
  const expired = await idle.get('/dashboard/settings');
  t.is(expired.status, 303);
  t.is(expired.location, '/dashboard/login');
  const busy = await signedIn(api, email);
  for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
    api.clock.advance(20 * 60_000);
    t.is((await busy.get('/dashboard/settings')).status, 200);
  }
  api.clock.advance(25 * 60_000);
  t.is((await busy.get('/dashboard/settings')).status, 303, 'past 12 hours');
});

test('sign-in is rate-limited per email with the same generic page; a wrong _csrf on sign-in is refused', async (t) => {
  const { email } = await owner();
  const login = await fetch(`${api.url}/dashboard/login`);
  const nonce = cookiesOf(login).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1];
  const attempt = (form: Record<string, string>) => fetch(`${api.url}/dashboard/login`, {
    method: 'POST', redirect: 'manual', headers: { cookie: nonce, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(),
  });
  t.is((await attempt({ _csrf: 'forged', email, password: PASSWORD })).status, 403);
  t.is((await fetch(`${api.url}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ email, password: PASSWORD }), redirect: 'manual' })).status, 403, 'no nonce cookie');
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await attempt({ _csrf: csrf, email, password: `wrong ${i}` })).status);
  t.deepEqual(statuses, [...Array(10).fill(401), 429]);
  const limited = await attempt({ _csrf: csrf, email, password: PASSWORD });
  t.is(limited.status, 429, 'even the right password, until the window ends');
  t.truthy(limited.headers.get('retry-after'));
  t.regex(await limited.text(), /Too many sign-in attempts/);
});

test('hostile input on dashboard routes gets a 4xx page, never a 500', async (t) => {
  const { email, key } = await owner();
  const endpoint = await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: 'https://example.com/h', event_types: ['*'] } });
  const client = await signedIn(api, email);
  const csrf = await client.csrfOfPage();
  const gets = [
    '/dashboard?range=%00', '/dashboard?range=forever', '/dashboard/deliveries?status=%27%3B--', '/dashboard/deliveries?starting_after=' + 'x'.repeat(5000),
    '/dashboard/deliveries?endpoint_id=%F0%9F%92%A9&event_id=../../etc', '/dashboard/events?type=%E2%80%AE', '/dashboard/events?starting_after=evt_%00',
    '/dashboard/endpoints/..%2F..%2Fv1', `/dashboard/endpoints/${endpoint.body.id.toUpperCase()}`, '/dashboard/deliveries/dlv_' + 'z'.repeat(300),
    '/dashboard/members?starting_after=not-a-uuid', '/dashboard/api-keys?starting_after=%FF', '/dashboard/assets/..%2F..%2Fpackage.json', '/dashboard/nothing/here',
  ];
  for (const path of gets) {
    const res = await client.get(path);
    t.true(res.status < 500, `${path}: ${res.status}`);
  }
  const posts: Array<[string, Record<string, string>]> = [
    ['/dashboard/switch', { _csrf: csrf, to: 'x:y' }], ['/dashboard/switch', { _csrf: csrf, to: `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}:${'f'.repeat(8)}-ffff-ffff-ffff-${'f'.repeat(12)}` }],
    ['/dashboard/mode', { _csrf: csrf, mode: 'staging' }],
    ['/dashboard/endpoints', { _csrf: csrf, url: 'javascript:alert(1)', event_types: '*' }],
    ['/dashboard/endpoints', { _csrf: csrf, url: 'https://example.com/' + 'a'.repeat(5000), event_types: '*', rate_limit: '-1', ordering: 'sideways' }],
    [`/dashboard/endpoints/${endpoint.body.id}/replay`, { _csrf: csrf, since: 'yesterday' }],
    [`/dashboard/endpoints/${endpoint.body.id}/replay`, { _csrf: csrf, since: '1970-01-01T00:00' }],
    [`/dashboard/endpoints/${endpoint.body.id}/replay`, { _csrf: csrf, since: '2026-01-01T00:00', until: '2025-01-01T00:00' }],
    [`/dashboard/endpoints/${endpoint.body.id}/rotate`, { _csrf: csrf, overlap_seconds: '99999999999' }],
    [`/dashboard/endpoints/${endpoint.body.id}/secret`, { _csrf: csrf, password: 'x'.repeat(2000) }],
    ['/dashboard/api-keys', { _csrf: csrf, kind: 'secret', role: 'emperor' }],
    ['/dashboard/members', { _csrf: csrf, email: 'not an email', role: 'owner' }],
    ['/dashboard/members/not-a-uuid', { _csrf: csrf, role: 'viewer' }],
    ['/dashboard/members/00000000-0000-4000-8000-000000000000/remove', { _csrf: csrf }],
    ['/dashboard/deliveries/dlv_nope/retry', { _csrf: csrf }],
    ['/dashboard/account/password', { _csrf: csrf, current_password: '', new_password: 'short' }],
  ];
  for (const [path, form] of posts) {
    const res = await client.post(path, form);
    t.true(res.status < 500, `${path} ${JSON.stringify(form).slice(0, 80)}: ${res.status}`);
    t.not(res.status, 303, `${path}: nothing done`);
  }
  const raw = async (body: BodyInit, type: string) => (await fetch(`${api.url}/dashboard/endpoints`, {
    method: 'POST', body, headers: { 'content-type': type, cookie: `herald_session=${client.jar.get('herald_session')}` }, redirect: 'manual',
  })).status;
  t.is(await raw('{"url":"https://example.com"}', 'application/json'), 415);
  t.is(await raw(`_csrf=${csrf}&url=${'a'.repeat(70_000)}`, 'application/x-www-form-urlencoded'), 413);
  t.is(await raw(Buffer.from([0x5f, 0x63, 0x3d, 0xff, 0xfe]), 'application/x-www-form-urlencoded'), 400);
  t.is(await raw(`_csrf=${csrf}&url=a%00b`, 'application/x-www-form-urlencoded'), 400);
  t.is((await api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data.length, 1, 'nothing was created');
});

/** Deliveries (and their events and attempts) of a scope written below the application, created `hoursAgo`. */
async function arrange(on: TestApi, tenantId: string, endpointId: string, rows: Array<{ hoursAgo: number; status: string; attempts: number; ok?: boolean }>) {
  const now = on.clock.now().getTime();
  for (const [i, r] of rows.entries()) {
    const at = new Date(now - r.hoursAgo * 3_600_000);
    const n = `${i}${randomInt(1e9)}${randomInt(1e9)}${randomInt(1e9)}`.padStart(26, '0').slice(-26);
    await on.db.owner.query(`insert into events (tenant_id, id, mode, type, data, created_at) values ($1, $2, 'live', 'invoice.sent', '{}', $3)`, [tenantId, `evt_${n}`, at]);
    await on.db.owner.query(
      `insert into deliveries (tenant_id, id, mode, endpoint_id, event_id, event_type, status, attempt_count, created_at, updated_at)
       values ($1, $2, 'live', $3, $4, 'invoice.sent', $5, $6, $7, $7)`, [tenantId, `dlv_${n}`, endpointId, `evt_${n}`, r.status, r.attempts, at]);
    for (let k = 1; k <= r.attempts; k++) {
      await on.db.owner.query(
        `insert into delivery_attempts (tenant_id, id, mode, delivery_id, endpoint_id, number, started_at, duration_ms, status_code)
         values ($1, $2, 'live', $3, $4, $5, $6, $7, $8)`,
        [tenantId, `att_${n.slice(0, 24)}${k}0`, `dlv_${n}`, endpointId, k, new Date(at.getTime() + k * 1000), 100 * k, k === r.attempts && r.ok ? 200 : 500]);
    }
  }
}

async function totals(client: Awaited<ReturnType<typeof signedIn>>, range: string) {
  const page = (await client.get(`/dashboard?range=${range}`)).text;
  const out: Record<string, number> = {};
  for (const m of page.matchAll(/<td data-status="(\w+)">([\d,]+)<\/td>/g)) out[m[1]] = Number(m[2].replace(/,/g, ''));
  return out;
}

test('the overview over rolled-up hours equals the rows themselves, follows later changes, and shows one tenant only', async (t) => {
  const a = await owner();
  const b = await owner();
  const endpoint = await api.request('POST', '/v1/webhook-endpoints', { token: a.key, body: { url: 'https://example.com/h', event_types: ['*'] } });
  const other = await api.request('POST', '/v1/webhook-endpoints', { token: b.key, body: { url: 'https://example.com/h', event_types: ['*'] } });
  await arrange(api, a.tenant.id, endpoint.body.id, [
    { hoursAgo: 3, status: 'delivered', attempts: 1, ok: true }, { hoursAgo: 5, status: 'delivered', attempts: 2, ok: true },
    { hoursAgo: 20, status: 'failed', attempts: 3 }, { hoursAgo: 50, status: 'delivered', attempts: 1, ok: true },
    { hoursAgo: 100, status: 'cancelled', attempts: 0 }, { hoursAgo: 24 * 20, status: 'delivered', attempts: 1, ok: true },
    { hoursAgo: 0.01, status: 'pending', attempts: 0 },
  ]);
  await arrange(api, b.tenant.id, other.body.id, [{ hoursAgo: 4, status: 'failed', attempts: 2 }, { hoursAgo: 30, status: 'delivered', attempts: 1, ok: true }]);
  const client = await signedIn(api, a.email);
  const zero = { pending: 0, retrying: 0, delivered: 0, failed: 0, cancelled: 0 };
  const day = { ...zero, delivered: 2, failed: 1, pending: 1, total: 4 };
  t.deepEqual(await totals(client, '24h'), day);
  t.deepEqual(await totals(client, '7d'), { ...zero, delivered: 3, failed: 1, pending: 1, cancelled: 1, total: 6 });
  t.deepEqual(await totals(client, '30d'), { ...zero, delivered: 4, failed: 1, pending: 1, cancelled: 1, total: 7 });
  t.deepEqual(await totals(client, '24h'), day, 'the same again from the rollups');
  const rolled = await api.db.owner.query('select count(*)::int as n from dashboard_hours where tenant_id = $1', [a.tenant.id]);
  t.true(rolled.rows[0].n >= 5, 'past hours were rolled up');
  // The failed delivery of 20 hours ago is retried and delivered: its rolled-up hour follows.
  await api.db.owner.query(`update deliveries set status = 'delivered', updated_at = clock_timestamp() where tenant_id = $1 and status = 'failed'`, [a.tenant.id]);
  t.deepEqual(await totals(client, '24h'), { ...day, delivered: 3, failed: 0 });
  t.deepEqual(await totals(client, '30d'), { ...zero, delivered: 5, failed: 0, pending: 1, cancelled: 1, total: 7 });
  const other30 = await totals(await signedIn(api, b.email), '30d');
  t.deepEqual(other30, { ...zero, delivered: 1, failed: 1, total: 2 });
  const page = (await client.get('/dashboard?range=24h')).text;
  t.regex(page, /id="first-attempt-success">33\.3 %/, 'first attempts of the day: 1 of 3 answered 2xx');
});

test('the worker rolls every active tenant\'s 30 days up, so the first 30-day overview of a history has nothing long left to roll up', async (t) => {
  const a = await owner();
  const b = await owner();
  const endpoint = await api.request('POST', '/v1/webhook-endpoints', { token: a.key, body: { url: 'https://example.com/h', event_types: ['*'] } });
  const other = await api.request('POST', '/v1/webhook-endpoints', { token: b.key, body: { url: 'https://example.com/h', event_types: ['*'] } });
  await arrange(api, a.tenant.id, endpoint.body.id, [
    { hoursAgo: 24 * 25, status: 'delivered', attempts: 1, ok: true }, { hoursAgo: 24 * 10, status: 'failed', attempts: 3 },
    { hoursAgo: 30, status: 'delivered', attempts: 2, ok: true },
  ]);
  await arrange(api, b.tenant.id, other.body.id, [{ hoursAgo: 24 * 20, status: 'delivered', attempts: 1, ok: true }]);
  const marks = async (tenantId: string) => (await api.db.owner.query('select covered_from, sealed_until from dashboard_rollups where tenant_id = $1', [tenantId])).rows;
  t.deepEqual(await marks(a.tenant.id), [], 'nobody has looked yet');

  t.true(await keepRollupsUpToDate(api.services) >= 2, 'a worker round');
  const now = api.clock.now().getTime();
  for (const tenantId of [a.tenant.id, b.tenant.id]) {
    const [m] = await marks(tenantId);
    t.true(m.covered_from.getTime() <= now - 29 * 86_400_000, 'the rollups reach the 30-day range\'s start');
    t.true(m.sealed_until.getTime() >= now - 2 * 3_600_000, 'and the last hour that is over');
  }
  const hours = async (tenantId: string) => (await api.db.owner.query('select sum(attempts)::int as n from dashboard_hours where tenant_id = $1', [tenantId])).rows[0].n;
  t.is(await hours(a.tenant.id), 6, 'tenant A\'s attempts, rolled up in its own rows');
  t.is(await hours(b.tenant.id), 1);
  const due = await dashboardScopesDue(api.db.app, new Date(now - 29 * 86_400_000), new Date(now - 300_000), 10_000);
  t.false(due.some((s) => s.tenant_id === a.tenant.id || s.tenant_id === b.tenant.id), 'not due again until its deliveries change and 5 minutes pass');

  const zero = { pending: 0, retrying: 0, delivered: 0, failed: 0, cancelled: 0 };
  t.deepEqual(await totals(await signedIn(api, a.email), '30d'), { ...zero, delivered: 2, failed: 1, total: 3 });
  t.deepEqual(await totals(await signedIn(api, b.email), '30d'), { ...zero, delivered: 1, total: 1 });
});
