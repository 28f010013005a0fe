// The storefront behind a trusted reverse proxy (HERALD_TRUST_PROXY=1): the proxy names the host
// in X-Forwarded-Host and the client in the address it appends to X-Forwarded-For.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createTenant } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi({ HERALD_TRUST_PROXY: '1' }); });
test.after.always(async () => { await api?.close(); });

const products = (headers: Record<string, string>) => api.request('GET', '/storefront/v1/products', { headers });

test('X-Forwarded-Host names the shop; without it the Host header does', async (t) => {
  const tenant = await createTenant(api);
  const host = `${tenant.slug}.shops.localhost`;
  t.is((await products({ 'x-forwarded-host': host, 'x-forwarded-for': '192.0.2.1' })).status, 200);
  t.is((await products({ 'x-forwarded-host': 'unknown.shops.localhost', 'x-forwarded-for': '192.0.2.1' })).status, 404);
  const twice = await products({ 'x-forwarded-host': `${host}, other.shops.localhost`, 'x-forwarded-for': '192.0.2.1' });
  t.is(twice.status, 400);
  t.regex(twice.body.detail, /ambiguous host/);
});

test('the rate limit counts the address the proxy appended, whatever the client put before it', async (t) => {
  const tenant = await createTenant(api);
  const client = '198.51.100.7';
  const spoofed = () => ({ 'x-forwarded-host': `${tenant.slug}.shops.localhost`, 'x-forwarded-for': `203.0.113.${randomBytes(1)[0]}, ${client}` });
  const statuses: number[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const replies = await Promise.all(Array.from({ length: 50 }, () => products(spoofed())));
    statuses.push(...replies.map((r) => r.status));
  }
  t.deepEqual([...new Set(statuses)], [200]);
  const limited = await products(spoofed());
  t.is(limited.status, 429);
  t.true(Number(limited.headers.get('retry-after')) >= 1);
  t.is((await products({ ...spoofed(), 'x-forwarded-for': '198.51.100.8' })).status, 200, 'another client has its own allowance');
});
