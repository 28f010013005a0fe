import test from 'ava';
import { apiRoutes } from '../../src/http/app.ts';
import { corsOpen } from '../../src/http/cors.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const ORIGIN = 'https://shop-frontend.example';

const preflight = (path: string, method = 'GET') => api.request('OPTIONS', path, {
  headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, if-none-match' },
});

test('storefront and publishable catalog paths answer a preflight for their open methods only', async (t) => {
  for (const path of ['/storefront/v1/products', '/storefront/v1/products/prod_x', '/v1/products', '/v1/products/prod_x']) {
    const res = await preflight(path);
    t.is(res.status, 204, path);
    t.is(res.headers.get('access-control-allow-origin'), '*', path);
    t.is(res.headers.get('access-control-allow-methods'), 'GET, HEAD', path);
    t.regex(res.headers.get('access-control-allow-headers') ?? '', /Authorization/, path);
    t.regex(res.headers.get('access-control-allow-headers') ?? '', /If-None-Match/, path);
    t.is(res.headers.get('access-control-max-age'), '7200', path);
    t.is(res.headers.get('access-control-allow-credentials'), null, path);
  }
});

test('a publishable key reads the catalog from a browser: responses allow any origin, errors too', async (t) => {
  const { tenant } = await tenantWithKey(api);
  const { key } = await tenant.key({ kind: 'publishable' });
  const list = await api.request('GET', '/v1/products', { token: key, headers: { origin: ORIGIN } });
  t.is(list.status, 200);
  t.is(list.headers.get('access-control-allow-origin'), '*');
  t.regex(list.headers.get('access-control-expose-headers') ?? '', /ETag/);
  const missing = await api.request('GET', '/v1/products/prod_x', { token: key, headers: { origin: ORIGIN } });
  t.is(missing.status, 404);
  t.is(missing.headers.get('access-control-allow-origin'), '*');
  const anonymous = await api.request('GET', '/v1/products', { headers: { origin: ORIGIN } });
  t.is(anonymous.status, 401);
  t.is(anonymous.headers.get('access-control-allow-origin'), '*');
  const shop = await api.request('GET', '/storefront/v1/products', { headers: { origin: ORIGIN } });
  t.is(shop.status, 404, 'no shop at 127.0.0.1');
  t.is(shop.headers.get('access-control-allow-origin'), '*');
});

test('secret-key writes on a catalog path get no CORS allowance', async (t) => {
  const { key } = await tenantWithKey(api, { role: 'developer' });
  const created = await api.request('POST', '/v1/products', {
    token: key, headers: { origin: ORIGIN },
    body: { name: 'Mug', variants: [{ sku: 'MUG-1', price: 900, currency: 'EUR', inventory_quantity: 1 }] },
  });
  t.is(created.status, 201);
  t.is(created.headers.get('access-control-allow-origin'), null);
  const patched = await api.request('PATCH', `/v1/products/${created.body.id}`, { token: key, headers: { origin: ORIGIN }, body: { name: 'Cup' } });
  t.is(patched.status, 200);
  t.is(patched.headers.get('access-control-allow-origin'), null);
});

test('routes that take only secret keys (or the operator token) send no CORS headers, preflight or not', async (t) => {
  const openPaths = new Set(apiRoutes.filter(corsOpen).map((r) => r.path));
  const closed = apiRoutes.filter((r) => !openPaths.has(r.path));
  t.true(closed.some((r) => r.path === '/v1/api-keys'));
  t.true(closed.some((r) => r.path.startsWith('/admin/v1/')));
  for (const r of closed) {
    const path = r.path.replace(/:\w+/g, 'x');
    const res = await preflight(path, r.method.toUpperCase());
    t.is(res.headers.get('access-control-allow-origin'), null, `OPTIONS ${r.path}`);
    t.is(res.headers.get('access-control-allow-methods'), null, `OPTIONS ${r.path}`);
  }
  const { key } = await tenantWithKey(api, { role: 'owner' });
  const keys = await api.request('GET', '/v1/api-keys', { token: key, headers: { origin: ORIGIN } });
  t.is(keys.status, 200);
  t.is(keys.headers.get('access-control-allow-origin'), null);
  const denied = await api.request('GET', '/v1/customers', { headers: { origin: ORIGIN } });
  t.is(denied.status, 401);
  t.is(denied.headers.get('access-control-allow-origin'), null);
});
