import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant, tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
let production: TestApi;
test.before(async () => {
  [api, production] = await Promise.all([startApi(), startApi({ NODE_ENV: 'production' })]);
});
test.after.always(async () => {
  await Promise.all([api?.close(), production?.close()]);
});

const create = (token: string, body: unknown, on = api) => on.request('POST', '/v1/webhook-endpoints', { token, body });

test('an endpoint is registered with a signing secret that only its own route reveals', async (t) => {
  const { key } = await tenantWithKey(api);
  const res = await create(key, { url: 'https://example.com/hooks', event_types: ['order.*', 'customer.created'], description: 'ERP', metadata: { team: 'ops' } });
  t.is(res.status, 201);
  t.like(res.body, {
    object: 'webhook_endpoint', mode: 'live', url: 'https://example.com/hooks', event_types: ['order.*', 'customer.created'],
    description: 'ERP', metadata: { team: 'ops' }, enabled: true, disabled_reason: null,
  });
  t.regex(res.body.id, /^ep_/);
  t.false(JSON.stringify(res.body).includes('whsec_'));

  const secret = await api.request('GET', `/v1/webhook-endpoints/${res.body.id}/secret`, { token: key });
  t.is(secret.status, 200);
  t.regex(secret.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  t.is(Buffer.from(secret.body.secret.slice(6), 'base64').length, 32);
  const again = await api.request('GET', `/v1/webhook-endpoints/${res.body.id}/secret`, { token: key });
  t.is(again.body.secret, secret.body.secret, 'the secret is stable');

  const stored = await api.db.owner.query('select ciphertext from webhook_endpoint_secrets where endpoint_id = $1', [res.body.id]);
  t.is(stored.rowCount, 1);
  const raw = Buffer.from(secret.body.secret.slice(6), 'base64');
  t.false(stored.rows[0].ciphertext.includes(raw), 'encrypted at rest');
  t.false(stored.rows[0].ciphertext.toString('latin1').includes(secret.body.secret));

  const got = await api.request('GET', `/v1/webhook-endpoints/${res.body.id}`, { token: key });
  const { delivery_stats: stats, ...endpoint } = got.body;
  t.deepEqual(endpoint, res.body);
  const quiet = { attempts: 0, succeeded: 0, success_rate: null, latency_p50_ms: null, latency_p95_ms: null };
  t.deepEqual(stats, { last_hour: quiet, last_day: quiet }, 'retrieving one endpoint adds its delivery statistics');
  const list = await api.request('GET', '/v1/webhook-endpoints', { token: key });
  t.deepEqual(list.body, { data: [res.body], has_more: false, next_cursor: null });
});

test('URLs are stored WHATWG-normalised', async (t) => {
  const { key } = await tenantWithKey(api);
  const res = await create(key, { url: 'HTTPS://Example.COM:443/a/../hooks?x=1', event_types: ['*'] });
  t.is(res.status, 201);
  t.is(res.body.url, 'https://example.com/hooks?x=1');
});

test('malformed endpoints are 400 with a pointer to the field', async (t) => {
  const { key } = await tenantWithKey(api);
  const cases: Array<[unknown, string]> = [
    [{ event_types: ['*'] }, '/url'],
    [{ url: 'https://example.com', event_types: [] }, '/event_types'],
    [{ url: 'https://example.com', event_types: ['Order.Paid'] }, '/event_types/0'],
    [{ url: 'https://example.com', event_types: ['order'] }, '/event_types/0'],
    [{ url: 'https://example.com', event_types: ['order.*.paid'] }, '/event_types/0'],
    [{ url: 'https://example.com', event_types: ['*', 'webhook.test'] }, '/event_types/1'],
    [{ url: 'https://example.com', event_types: ['*'], colour: 'red' }, '/colour'],
    [{ url: 'https://example.com', event_types: ['*'], description: 'x'.repeat(501) }, '/description'],
    [{ url: 'https://example.com', event_types: ['*'], metadata: { n: 1 } }, '/metadata/n'],
    [{ url: 'https://example.com', event_types: ['*'], metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, '/metadata'],
    [{ url: 'not a url', event_types: ['*'] }, '/url'],
    [{ url: 'ftp://example.com/hooks', event_types: ['*'] }, '/url'],
    [{ url: 'https://user:pass@example.com/hooks', event_types: ['*'] }, '/url'],
    [{ url: 'https://example.com/hooks#frag', event_types: ['*'] }, '/url'],
    [{ url: `https://example.com/${'x'.repeat(2048)}`, event_types: ['*'] }, '/url'],
  ];
  for (const [body, pointer] of cases) {
    const res = await create(key, body);
    t.is(res.status, 400, JSON.stringify(body).slice(0, 100));
    t.true(res.body.errors.some((e: any) => e.pointer === pointer), `${pointer} in ${JSON.stringify(res.body.errors)}`);
  }
});

test('private, link-local, CGNAT and metadata addresses are refused at registration with 422', async (t) => {
  const { key } = await tenantWithKey(api);
  for (const url of ['http://10.1.2.3/', 'https://192.168.0.10/hooks', 'http://169.254.169.254/latest/meta-data', 'http://100.64.0.1/',
    'http://[fd00::1]/', 'http://[fe80::1]/', 'http://[::ffff:10.0.0.1]/', 'http://224.0.0.1/', 'https://api.localhost/hooks']) {
    const res = await create(key, { url, event_types: ['*'] });
    t.is(res.status, 422, url);
    t.is(res.body.errors[0].pointer, '/url');
    t.regex(res.body.detail, /not allowed/);
  }
  t.is((await api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data.length, 0);
});

test('in production plain http: is refused to public addresses but https: is fine', async (t) => {
  const { key } = await tenantWithKey(production);
  const http = await create(key, { url: 'http://93.184.215.14/hooks', event_types: ['*'] }, production);
  t.is(http.status, 422);
  t.regex(http.body.errors[0].detail, /http: URLs are only allowed/);
  t.is((await create(key, { url: 'https://93.184.215.14/hooks', event_types: ['*'] }, production)).status, 201);
  const { key: devKey } = await tenantWithKey(api);
  t.is((await create(devKey, { url: 'http://93.184.215.14/hooks', event_types: ['*'] })).status, 201, 'outside production http: is allowed');
});

test('PATCH is a JSON merge patch; enabling clears the disabled reason', async (t) => {
  const { key } = await tenantWithKey(api);
  const { body: ep } = await create(key, { url: 'https://example.com/a', event_types: ['*'], description: 'first', metadata: { a: '1', b: '2' } });
  const patch = (body: unknown) => api.request('PATCH', `/v1/webhook-endpoints/${ep.id}`, { token: key, body });

  const changed = await patch({ url: 'https://EXAMPLE.com/b', description: null, metadata: { b: null, c: '3' }, event_types: ['order.paid'] });
  t.is(changed.status, 200);
  t.like(changed.body, { url: 'https://example.com/b', description: null, metadata: { a: '1', c: '3' }, event_types: ['order.paid'], enabled: true });
  t.true(Date.parse(changed.body.updated_at) >= Date.parse(ep.updated_at));
  t.deepEqual((await patch({})).body.metadata, { a: '1', c: '3' }, 'absent fields stay');
  const tooMany = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
  t.is((await patch({ metadata: tooMany })).status, 422, '2 + 49 keys after the merge, like every other resource');
  t.deepEqual((await patch({ metadata: null })).body.metadata, {});

  await api.db.owner.query(`update webhook_endpoints set enabled = false, disabled_reason = 'the endpoint answered 410 Gone' where id = $1`, [ep.id]);
  const enabled = await patch({ enabled: true });
  t.like(enabled.body, { enabled: true, disabled_reason: null });
  t.like((await patch({ enabled: false })).body, { enabled: false, disabled_reason: null });

  t.is((await patch({ url: 'http://10.0.0.1/' })).status, 422);
  t.is((await patch({ event_types: [] })).status, 400);
  t.is((await patch({ secret: 'whsec_x' })).status, 400);
  t.is((await api.request('GET', `/v1/webhook-endpoints/${ep.id}`, { token: key })).body.url, 'https://example.com/b');
});

test('DELETE removes the endpoint from every route', async (t) => {
  const { key } = await tenantWithKey(api);
  const { body: ep } = await create(key, { url: 'https://example.com/a', event_types: ['*'] });
  t.is((await api.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { token: key })).status, 204);
  const since = new Date(Date.now() - 60_000).toISOString();
  const routes: Array<[string, string, unknown?]> = [
    ['GET', ''], ['PATCH', '', {}], ['DELETE', ''], ['GET', '/secret'], ['POST', '/rotate-secret'], ['POST', '/test'], ['POST', '/replay', { since }],
  ];
  for (const [method, path, body] of routes) {
    t.is((await api.request(method, `/v1/webhook-endpoints/${ep.id}${path}`, { token: key, body })).status, 404, `${method} ${path}`);
  }
  t.is((await api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data.length, 0);
  const secrets = await api.db.owner.query('select count(*)::int as n from webhook_endpoint_secrets where endpoint_id = $1', [ep.id]);
  t.is(secrets.rows[0].n, 0, 'its secret is gone');
});

test('at most 50 endpoints per tenant and mode, even when created all at once', async (t) => {
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const all = await Promise.all(Array.from({ length: 53 }, (_, i) => create(key, { url: `https://example.com/${i}`, event_types: ['*'] })));
  const ids: string[] = all.filter((r) => r.status === 201).map((r) => r.body.id);
  t.is(ids.length, 50);
  const over = all.filter((r) => r.status !== 201);
  t.deepEqual(over.map((r) => r.status), [422, 422, 422]);
  t.regex(over[0].body.detail, /at most 50/);
  const testMode = (await shop.key({ mode: 'test' })).key;
  t.is((await create(testMode, { url: 'https://example.com/t', event_types: ['*'] })).status, 201, 'the other mode has its own 50');
  await api.request('DELETE', `/v1/webhook-endpoints/${ids[0]}`, { token: key });
  t.is((await create(key, { url: 'https://example.com/51', event_types: ['*'] })).status, 201);

  const page = await api.request('GET', '/v1/webhook-endpoints?limit=100', { token: key });
  t.is(page.body.data.length, 50);
  const first = await api.request('GET', '/v1/webhook-endpoints?limit=30', { token: key });
  const rest = await api.request('GET', `/v1/webhook-endpoints?limit=30&starting_after=${first.body.next_cursor}`, { token: key });
  t.deepEqual([...first.body.data, ...rest.body.data].map((e: any) => e.id), page.body.data.map((e: any) => e.id));
  t.false(rest.body.has_more);
});

test('endpoints are invisible to other tenants and the other mode; viewers read but neither write nor see secrets', async (t) => {
  const shop = await createTenant(api);
  const { key } = await shop.key();
  const { body: ep } = await create(key, { url: 'https://example.com/a', event_types: ['*'] });
  const outsider = (await tenantWithKey(api)).key;
  const testMode = (await shop.key({ mode: 'test' })).key;
  for (const token of [outsider, testMode]) {
    t.is((await api.request('GET', `/v1/webhook-endpoints/${ep.id}`, { token })).status, 404);
    t.is((await api.request('GET', `/v1/webhook-endpoints/${ep.id}/secret`, { token })).status, 404);
    t.is((await api.request('PATCH', `/v1/webhook-endpoints/${ep.id}`, { token, body: { enabled: false } })).status, 404);
    t.is((await api.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { token })).status, 404);
    for (const action of ['rotate-secret', 'test']) t.is((await api.request('POST', `/v1/webhook-endpoints/${ep.id}/${action}`, { token })).status, 404, action);
    t.is((await api.request('GET', '/v1/webhook-endpoints', { token })).body.data.length, 0);
  }
  const viewer = (await shop.key({ role: 'viewer' })).key;
  t.is((await api.request('GET', `/v1/webhook-endpoints/${ep.id}`, { token: viewer })).status, 200);
  t.is((await api.request('GET', `/v1/webhook-endpoints/${ep.id}/secret`, { token: viewer })).status, 403);
  for (const action of ['rotate-secret', 'test', 'replay']) {
    t.is((await api.request('POST', `/v1/webhook-endpoints/${ep.id}/${action}`, { token: viewer })).status, 403, `a viewer cannot ${action}`);
  }
  t.is((await create(viewer, { url: 'https://example.com/b', event_types: ['*'] })).status, 403);
  const publishable = (await shop.key({ kind: 'publishable' })).key;
  t.is((await api.request('GET', '/v1/webhook-endpoints', { token: publishable })).status, 403);
  t.is((await create(key, { tenant_id: (await createTenant(api)).id, url: 'https://example.com/c', event_types: ['*'] })).status, 403);
  t.is((await api.request('GET', '/v1/webhook-endpoints/ep_nonsense', { token: key })).status, 404);
});
