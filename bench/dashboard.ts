// The dashboard's latency with 1,000,000 attempts in a tenant's history (issue 14: every page
// within 300 ms). Called by the benchmark orchestrator with a running API:
//
//   const rows = await dashboardLatency({ ownerDatabaseUrl, apiUrl, adminToken, log });
//
// It arranges a tenant through the operator API (organization, owner user and membership, an
// owner key, five endpoints, one of them disabled), writes the history below the application as
// the owner in bulk SQL — 740,940 events and deliveries and 1,000,000 attempts spread over the
// last 30 days (80 % delivered at the first attempt, 15 % at the second, 5 % failed after five),
// and a backlog of 200 deliveries of the last minutes — waits for the worker's housekeeping to roll
// the 30 days up (as it does for every active tenant; logged), signs in over HTTP like a browser,
// views each page once (logged as the first view), then times each page ROUNDS times.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ROUNDS = 10;
/** 999,999 attempts; the backlog's one retrying delivery makes 1,000,000. */
const DELIVERIES = 740_740;
const BACKLOG = 200;

export interface PageLatency {
  page: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The first view, before the timed rounds. */
  firstMs: number;
}

export async function dashboardLatency(opts: { ownerDatabaseUrl: string; apiUrl: string; adminToken: string; log: (line: string) => void }): Promise<PageLatency[]> {
  const { apiUrl, log } = opts;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(apiUrl + path, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => undefined);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json as any;
  };
  const admin = (method: string, path: string, body?: unknown) => call(method, path, opts.adminToken, body);

  const suffix = randomBytes(4).toString('hex');
  const tenant = await admin('POST', '/admin/v1/tenants', { name: `Dashboard bench ${suffix}` });
  await admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { api_rate_limit: 1_000_000 });
  const org = await admin('POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Main' });
  const email = `bench-${suffix}@example.com`;
  const password = randomBytes(18).toString('base64url');
  const user = await admin('POST', '/admin/v1/users', { email, password });
  await admin('POST', `/admin/v1/tenants/${tenant.id}/memberships`, { user_id: user.id, org_id: org.id, role: 'owner' });
  const { key } = await admin('POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { org_id: org.id, mode: 'live', kind: 'secret', role: 'owner' });
  const endpoints: string[] = [];
  for (let i = 1; i <= 5; i++) endpoints.push((await call('POST', '/v1/webhook-endpoints', key, { url: `https://hooks.example.com/bench/${i}`, event_types: ['*'] })).id);
  await call('PATCH', `/v1/webhook-endpoints/${endpoints[4]}`, key, { enabled: false });

  const started = Date.now();
  await writeHistory(opts.ownerDatabaseUrl, tenant.id, endpoints);
  log(`dashboard: wrote 1,000,000 attempts, ${(DELIVERIES + BACKLOG).toLocaleString('en-US')} deliveries and events for tenant ${tenant.id} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const rolled = await rolledUp(opts.ownerDatabaseUrl, tenant.id);
  log(`dashboard: the worker's housekeeping rolled the 30 days up ${(rolled / 1000).toFixed(0)} s after the history was written (its round comes every 30 s)`);

  const session = await signIn(apiUrl, email, password);
  const someDelivery = `dlv_${idTag(tenant.id)}${String(DELIVERIES).padStart(18, '0')}`;
  const someEvent = someDelivery.replace('dlv_', 'evt_');
  const pages: Array<[string, string]> = [
    ['overview 1h', '/dashboard?range=1h'], ['overview 24h', '/dashboard?range=24h'], ['overview 7d', '/dashboard?range=7d'], ['overview 30d', '/dashboard?range=30d'],
    ['endpoints', '/dashboard/endpoints'], ['endpoint', `/dashboard/endpoints/${endpoints[0]}`],
    ['deliveries', '/dashboard/deliveries'], ['deliveries failed', '/dashboard/deliveries?status=failed'], ['deliveries cancelled (none)', '/dashboard/deliveries?status=cancelled'],
    ['deliveries of an endpoint', `/dashboard/deliveries?endpoint_id=${endpoints[1]}`], ['delivery', `/dashboard/deliveries/${someDelivery}`],
    ['events', '/dashboard/events'], ['events by type', '/dashboard/events?type=invoice.*'], ['event', `/dashboard/events/${someEvent}`],
    ['api keys', '/dashboard/api-keys'], ['members', '/dashboard/members'], ['audit log', '/dashboard/audit-log'], ['settings', '/dashboard/settings'],
  ];
  const results: PageLatency[] = [];
  for (const [name, path] of pages) {
    const cold = await timed(apiUrl + path, session);
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) times.push(await timed(apiUrl + path, session));
    times.sort((a, b) => a - b);
    const row = { page: name, p50Ms: round(times[Math.floor(times.length / 2)]), p99Ms: round(times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)]), maxMs: round(times[times.length - 1]), firstMs: round(cold) };
    results.push(row);
    log(`dashboard ${name.padEnd(28)} p50 ${row.p50Ms.toFixed(1).padStart(7)} ms   p99 ${row.p99Ms.toFixed(1).padStart(7)} ms   max ${row.maxMs.toFixed(1).padStart(7)} ms   (first view ${cold.toFixed(0)} ms)`);
  }
  return results;
}

/** Waits until the worker's rollups of the tenant reach 30 days back; returns how long that took. */
async function rolledUp(ownerUrl: string, tenantId: string): Promise<number> {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  const t0 = Date.now();
  try {
    for (;;) {
      const { rows } = await db.query(
        `select 1 from dashboard_rollups where tenant_id = $1 and mode = 'live' and covered_from <= now() - interval '29 days' and sealed_until >= now() - interval '2 hours'`,
        [tenantId],
      );
      if (rows.length) return Date.now() - t0;
      if (Date.now() - t0 > 120_000) throw new Error('dashboard bench: the worker did not roll the history up within 2 minutes');
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await db.end();
  }
}

/** Ids shaped like Herald's (prefix + 26 base32 characters; digits are in the alphabet), unique per tenant: 8 of them from the tenant id. */
const idTag = (tenantId: string) => tenantId.replace(/[^0-9]/g, '').padEnd(8, '0').slice(0, 8);

const round = (ms: number) => Math.round(ms * 10) / 10;

/** One page view's time to its last byte; a page that does not answer 200 fails the benchmark. */
async function timed(url: string, cookie: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`dashboard bench: ${url} answered ${res.status}`);
  return ms;
}

/** Signs in like the browser does: the form's CSRF nonce cookie, then the form; returns the Cookie header. */
async function signIn(apiUrl: string, email: string, password: string): Promise<string> {
  const form = await fetch(`${apiUrl}/dashboard/login`);
  const nonce = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${apiUrl}/dashboard/login`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
    headers: { cookie: nonce, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => /herald_session=./.test(c));
  if (res.status !== 303 || !session) throw new Error(`dashboard bench: sign-in answered ${res.status}`);
  return session;
}

/**
 * The tenant's history, in bulk as the owner: delivery i (1..DELIVERIES) is created at
 * now - 30 d × (1 - i / DELIVERIES), for endpoint i mod 5 (one of them since disabled), with one
 * event; i mod 20 = 0 failed after 5 attempts, 1..3 delivered at the second, the rest at the
 * first: 1,000,000 attempts in all. Then a backlog of pending deliveries of the last minutes.
 */
async function writeHistory(ownerUrl: string, tenantId: string, endpoints: string[]): Promise<void> {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    const tag = idTag(tenantId);
    await db.query('begin');
    // Row-level security applies to a table owner that is not a superuser: pin the scope.
    await db.query(`select set_config('app.tenant_id', $1, true), set_config('app.mode', 'live', true)`, [tenantId]);
    await db.query(`create temp table bench_d on commit drop as
      select i, now() - interval '30 days' * (1 - i::float8 / $1) as at, $2::text[] as eps,
             case when i % 20 = 0 then 5 when i % 20 in (1, 2, 3) then 2 else 1 end as n
        from generate_series(1, $1) i`, [DELIVERIES, endpoints]);
    await db.query(`insert into events (tenant_id, id, mode, type, data, created_at)
      select $1, 'evt_' || $2 || lpad(i::text, 18, '0'), 'live', 'invoice.sent', jsonb_build_object('invoice', 'inv_' || i, 'amount', i % 10000), at from bench_d`, [tenantId, tag]);
    await db.query(`insert into deliveries (tenant_id, id, mode, endpoint_id, event_id, event_type, status, attempt_count, last_attempt_at, created_at, updated_at)
      select $1, 'dlv_' || $2 || lpad(i::text, 18, '0'), 'live', eps[i % 5 + 1], 'evt_' || $2 || lpad(i::text, 18, '0'), 'invoice.sent',
             case when n = 5 then 'failed' else 'delivered' end, n, at + (n - 1) * interval '10 minutes', at, at + (n - 1) * interval '10 minutes'
        from bench_d`, [tenantId, tag]);
    await db.query(`insert into delivery_attempts (tenant_id, id, mode, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, response_body)
      select $1, 'att_' || $2 || lpad((i * 10 + k)::text, 18, '0'), 'live', 'dlv_' || $2 || lpad(i::text, 18, '0'), eps[i % 5 + 1], k,
             at + (k - 1) * interval '10 minutes', 20 + (i * 7 + k * 13) % 400, case when k < n or n = 5 then 500 else 200 end,
             case when k < n or n = 5 then 'upstream unavailable' else 'ok' end
        from bench_d, generate_series(1, bench_d.n) k`, [tenantId, tag]);
    await db.query(`insert into events (tenant_id, id, mode, type, data, created_at)
      select $1, 'evt_' || $2 || 'b' || lpad(i::text, 17, '0'), 'live', 'invoice.sent', '{}', now() - i * interval '1 second' from generate_series(1, $3) i`, [tenantId, tag, BACKLOG]);
    await db.query(`insert into deliveries (tenant_id, id, mode, endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
      select $1, 'dlv_' || $2 || 'b' || lpad(i::text, 17, '0'), 'live', $4::text, 'evt_' || $2 || 'b' || lpad(i::text, 17, '0'), 'invoice.sent', 'pending',
             now() + interval '1 hour', now() - i * interval '1 second', now() - i * interval '1 second' from generate_series(1, $3) i`, [tenantId, tag, BACKLOG, endpoints[0]]);
    // The oldest of the backlog waits for its second attempt: the 1,000,000th.
    await db.query(`update deliveries set status = 'retrying', attempt_count = 1 where tenant_id = $1 and id = 'dlv_' || $2 || 'b' || lpad($3::text, 17, '0')`, [tenantId, tag, BACKLOG]);
    await db.query(`insert into delivery_attempts (tenant_id, id, mode, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, response_body)
      values ($1, 'att_' || $2 || 'b' || lpad($3::text, 17, '0'), 'live', 'dlv_' || $2 || 'b' || lpad($3::text, 17, '0'), $4, 1, now() - $3::int * interval '1 second', 15000, null, null)`,
      [tenantId, tag, BACKLOG, endpoints[0]]);
    await db.query('commit');
    await db.query('analyze events; analyze deliveries; analyze delivery_attempts');
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  } finally {
    await db.end();
  }
}
