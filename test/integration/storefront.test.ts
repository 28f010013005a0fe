import test from 'ava';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant, type TestTenant } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: any }

// fetch() always sends its own Host, so storefront requests go through node:http. `headers` may be
// a raw [name, value, ...] list to send a header twice; `localAddress` picks the client's loopback address.
function storefront(path: string, options: { host?: string; headers?: Record<string, string> | string[]; localAddress?: string; method?: string } = {}): Promise<Reply> {
  const { port } = new URL(api.url);
  const headers = Array.isArray(options.headers) ? options.headers : { ...(options.host ? { host: options.host } : {}), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, setHost: !options.host && !Array.isArray(options.headers), localAddress: options.localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

const shopHost = (tenant: TestTenant) => `${tenant.slug}.shops.localhost`;

/** A product as the storefront shows it: the API's presentation without the merchant's metadata. */
const publicView = ({ metadata: _internal, ...shown }: Record<string, unknown>) => shown;

async function product(key: string, fields: { name?: string; active?: boolean } = {}) {
  const res = await api.request('POST', '/v1/products', {
    token: key,
    body: { name: fields.name ?? `Mug ${randomBytes(3).toString('hex')}`, active: fields.active ?? true, metadata: { cost_price: '420', supplier: 'Acme Wholesale' }, variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, price: 1250, currency: 'EUR', inventory_quantity: 3 }] },
  });
  if (res.status !== 201) throw new Error(`create product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A shop with one active live product, one inactive live product and one active test-mode product. */
async function shop() {
  const tenant = await createTenant(api);
  const live = (await tenant.key({ mode: 'live', role: 'developer' })).key;
  const testKey = (await tenant.key({ mode: 'test', role: 'developer' })).key;
  const active = await product(live);
  const inactive = await product(live, { active: false });
  const testMode = await product(testKey);
  return { tenant, live, active, inactive, testMode };
}

test('a shop lists only its active live products at <slug>.<storefront domain>, as the API presents them less metadata', async (t) => {
  const { tenant, live, active } = await shop();
  await shop(); // another shop's products must not appear
  const res = await storefront('/storefront/v1/products', { host: shopHost(tenant) });
  t.is(res.status, 200);
  t.deepEqual(res.body, { data: [publicView(active)], has_more: false, next_cursor: null });
  const viaApi = await api.request('GET', `/v1/products/${active.id}`, { token: live });
  t.deepEqual(res.body.data[0], publicView(viaApi.body));
});

test('the storefront never shows product metadata (merchants keep internal data there)', async (t) => {
  const { tenant, active } = await shop();
  t.deepEqual(active.metadata, { cost_price: '420', supplier: 'Acme Wholesale' }, 'the API shows it to the merchant');
  const list = await storefront('/storefront/v1/products', { host: shopHost(tenant) });
  const one = await storefront(`/storefront/v1/products/${active.id}`, { host: shopHost(tenant) });
  for (const body of [list.body.data[0], one.body]) {
    t.false('metadata' in body);
    t.false(JSON.stringify(body).includes('Acme Wholesale'));
  }
});

test('host matching ignores case, a port and a trailing dot', async (t) => {
  const { tenant, active } = await shop();
  for (const host of [`${tenant.slug.toUpperCase()}.Shops.LocalHost`, `${shopHost(tenant)}:8080`, `${shopHost(tenant)}.`, `${shopHost(tenant)}.:443`]) {
    const res = await storefront('/storefront/v1/products', { host });
    t.is(res.status, 200, host);
    t.deepEqual(res.body.data.map((p: { id: string }) => p.id), [active.id], host);
  }
});

test('a registered custom domain serves the same shop until it is removed', async (t) => {
  const { tenant, active } = await shop();
  const domain = `store-${randomBytes(4).toString('hex')}.example.com`;
  t.is((await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain })).status, 201);
  for (const host of [`${domain.toUpperCase()}:443`, `${domain}.`]) {
    const res = await storefront('/storefront/v1/products', { host });
    t.is(res.status, 200, host);
    t.deepEqual(res.body.data.map((p: { id: string }) => p.id), [active.id], host);
  }
  t.is((await storefront(`/storefront/v1/products/${active.id}`, { host: domain })).status, 200);
  t.is((await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains/${domain}`)).status, 204);
  t.is((await storefront('/storefront/v1/products', { host: domain })).status, 404);
});

test('a product is read by id; inactive, test-mode, unknown and other shops\' ids are 404', async (t) => {
  const { tenant, active, inactive, testMode } = await shop();
  const other = await shop();
  const res = await storefront(`/storefront/v1/products/${active.id}`, { host: shopHost(tenant) });
  t.is(res.status, 200);
  t.deepEqual(res.body, publicView(active));
  for (const id of [inactive.id, testMode.id, other.active.id, 'prod_00000000000000000000000000', 'nonsense']) {
    const missing = await storefront(`/storefront/v1/products/${id}`, { host: shopHost(tenant) });
    t.is(missing.status, 404, id);
    t.is(missing.headers['content-type'], 'application/problem+json');
  }
  // the other shop's product is there, at its own host
  t.is((await storefront(`/storefront/v1/products/${other.active.id}`, { host: shopHost(other.tenant) })).status, 200);
});

test('unknown hosts, the bare storefront domain, deeper subdomains and IP addresses are 404', async (t) => {
  const { tenant } = await shop();
  for (const host of ['no-such-shop.shops.localhost', 'shops.localhost', `www.${shopHost(tenant)}`, 'unregistered.example.com', '127.0.0.1', '[::1]:80']) {
    const res = await storefront('/storefront/v1/products', { host });
    t.is(res.status, 404, host);
    t.like(res.body, { status: 404, detail: 'no shop at this host' });
  }
  t.is((await storefront('/storefront/v1/products')).status, 404, 'the default 127.0.0.1:port host');
});

test('a suspended shop is 404 by slug and by custom domain, and returns when reactivated', async (t) => {
  const { tenant } = await shop();
  const domain = `store-${randomBytes(4).toString('hex')}.example.com`;
  await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain });
  t.is((await api.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { status: 'suspended' })).status, 200);
  t.is((await storefront('/storefront/v1/products', { host: shopHost(tenant) })).status, 404);
  t.is((await storefront('/storefront/v1/products', { host: domain })).status, 404);
  await api.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { status: 'active' });
  t.is((await storefront('/storefront/v1/products', { host: domain })).status, 200);
});

test('malformed and ambiguous hosts are 400', async (t) => {
  const { tenant } = await shop();
  for (const host of ['shop..shops.localhost', 'bad_host.shops.localhost', `${shopHost(tenant)}:99999`, `user@${shopHost(tenant)}`, '127.1']) {
    const res = await storefront('/storefront/v1/products', { host });
    t.is(res.status, 400, host);
    t.is(res.headers['content-type'], 'application/problem+json');
  }
  const twice = await storefront('/storefront/v1/products', { headers: ['Host', shopHost(tenant), 'Host', 'other.shops.localhost'] });
  t.is(twice.status, 400);
  t.regex(twice.body.detail, /ambiguous host/);
  const absolute = await storefront('http://other.shops.localhost/storefront/v1/products', { host: shopHost(tenant) });
  t.is(absolute.status, 400);
  t.regex(absolute.body.detail, /ambiguous host/);
});

test('lists page newest first with limit and starting_after', async (t) => {
  const { tenant, live, active } = await shop();
  const second = await product(live);
  const third = await product(live);
  const first = await storefront('/storefront/v1/products?limit=2', { host: shopHost(tenant) });
  t.deepEqual(first.body.data.map((p: { id: string }) => p.id), [third.id, second.id]);
  t.like(first.body, { has_more: true, next_cursor: second.id });
  const rest = await storefront(`/storefront/v1/products?limit=2&starting_after=${second.id}`, { host: shopHost(tenant) });
  t.deepEqual(rest.body, { data: [publicView(active)], has_more: false, next_cursor: null });
  t.is((await storefront('/storefront/v1/products?limit=0', { host: shopHost(tenant) })).status, 400);
});

test('responses carry an ETag; If-None-Match answers 304 until the catalog changes', async (t) => {
  const { tenant, live, active } = await shop();
  const host = shopHost(tenant);
  const first = await storefront('/storefront/v1/products', { host });
  const etag = first.headers.etag!;
  t.regex(etag, /^"[\w-]+"$/);
  t.is(first.headers['cache-control'], 'public, max-age=60');
  const again = await storefront('/storefront/v1/products', { host, headers: { 'if-none-match': etag } });
  t.is(again.status, 304);
  t.is(again.body, undefined);
  t.is(again.headers.etag, etag);
  t.is(again.headers['cache-control'], 'public, max-age=60');
  t.is((await storefront('/storefront/v1/products', { host, headers: { 'if-none-match': `"other", W/${etag}` } })).status, 304);
  t.is((await storefront('/storefront/v1/products', { host, headers: { 'if-none-match': '"other"' } })).status, 200);
  const head = await storefront('/storefront/v1/products', { host, method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.headers.etag, etag);
  t.is((await storefront('/storefront/v1/products', { host, method: 'HEAD', headers: { 'if-none-match': etag } })).status, 304);

  const one = await storefront(`/storefront/v1/products/${active.id}`, { host });
  t.is((await storefront(`/storefront/v1/products/${active.id}`, { host, headers: { 'if-none-match': one.headers.etag! } })).status, 304);
  t.not(one.headers.etag, etag);

  t.is((await api.request('PATCH', `/v1/products/${active.id}`, { token: live, body: { name: 'Renamed mug' } })).status, 200);
  const changed = await storefront('/storefront/v1/products', { host, headers: { 'if-none-match': etag } });
  t.is(changed.status, 200);
  t.is(changed.body.data[0].name, 'Renamed mug');
  t.not(changed.headers.etag, etag);
});

test('storefront routes are read-only', async (t) => {
  const { tenant, active } = await shop();
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    t.is((await storefront('/storefront/v1/products', { host: shopHost(tenant), method })).status, 405, method);
    t.is((await storefront(`/storefront/v1/products/${active.id}`, { host: shopHost(tenant), method })).status, 405, method);
  }
});

test('each client address is rate-limited on its own', async (t) => {
  const { tenant } = await shop();
  const host = shopHost(tenant);
  const statuses: number[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const replies = await Promise.all(Array.from({ length: 50 }, () => storefront('/storefront/v1/products', { host, localAddress: '127.0.0.2' })));
    statuses.push(...replies.map((r) => r.status));
  }
  t.deepEqual([...new Set(statuses)], [200]);
  const limited = await storefront('/storefront/v1/products', { host, localAddress: '127.0.0.2' });
  t.is(limited.status, 429);
  t.true(Number(limited.headers['retry-after']) >= 1);
  t.is((await storefront('/storefront/v1/products', { host, localAddress: '127.0.0.3' })).status, 200);
});
