// Scenario 1: POST /v1/orders (two line items) from 32 concurrent clients against a Herald API
// process, beside the raw-SQL baseline doing the same writes through pg at the same concurrency
// and pool size (bench/baseline.ts). After a warm-up of each, the two alternate for a few rounds
// and the medians are compared, so a noisy neighbour skews both alike.
import { Pool as HttpPool } from 'undici';
import { createAppPool } from '../src/db/pool.ts';
import { insertOrderDirectly } from './baseline.ts';
import { runLoad, type LoadResult } from './load.ts';

const CONCURRENCY = 32;
/** The API's default pool size; the baseline gets one as large. */
const POOL_SIZE = 10;

export interface OrdersResult {
  api: LoadResult;
  baseline: LoadResult;
  ratio: number;
}

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const median = (rounds: LoadResult[]) => [...rounds].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds.length / 2)];

export async function ordersVersusSql(
  apiUrl: string, adminToken: string, runtimeDatabaseUrl: string, opts: { rounds: number; seconds: number }, log: (s: string) => void,
): Promise<OrdersResult> {
  const tenant = await call(apiUrl, adminToken, 'POST', '/admin/v1/tenants', { name: `Orders bench ${Date.now()}` });
  // The per-tenant API limit (default 1,000/s) is not what is measured; its cost still is.
  await call(apiUrl, adminToken, 'PATCH', `/admin/v1/tenants/${tenant.id}`, { api_rate_limit: 1_000_000 });
  const org = await call(apiUrl, adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Bench' });
  const { key } = await call(apiUrl, adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { org_id: org.id, mode: 'live', kind: 'secret', role: 'developer' });
  const product = await call(apiUrl, key, 'POST', '/v1/products', {
    name: 'Bench', variants: [1, 2].map((i) => ({ sku: `bench-${i}`, price: 1000 * i, currency: 'USD', inventory_quantity: 1_000_000 })),
  });
  const body = JSON.stringify({ line_items: product.variants.map((v: { id: string }) => ({ variant_id: v.id, quantity: 1 })) });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const http = new HttpPool(apiUrl, { connections: CONCURRENCY, allowH2: false });
  const pool = createAppPool(runtimeDatabaseUrl, POOL_SIZE);
  try {
    const api = (seconds: number) => runLoad(CONCURRENCY, seconds, async () => {
      const res = await http.request({ method: 'POST', path: '/v1/orders', headers, body });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${text}`);
    });
    const variants = product.variants.map((v: { id: string; sku: string; price: number }) => ({ id: v.id, sku: v.sku, price: v.price }));
    const baseline = (seconds: number) => runLoad(CONCURRENCY, seconds, () =>
      insertOrderDirectly(pool, { tenantId: tenant.id, productId: product.id, variants }));
    await api(2);
    await baseline(2);
    const rounds = { api: [] as LoadResult[], baseline: [] as LoadResult[] };
    for (let round = 1; round <= opts.rounds; round++) {
      rounds.api.push(await api(opts.seconds));
      rounds.baseline.push(await baseline(opts.seconds));
      log(`    round ${round}: API ${rounds.api.at(-1)!.perSecond.toFixed(0)}/s, SQL ${rounds.baseline.at(-1)!.perSecond.toFixed(0)}/s`);
    }
    const a = median(rounds.api);
    const b = median(rounds.baseline);
    return { api: a, baseline: b, ratio: a.perSecond / b.perSecond };
  } finally {
    await http.close();
    await pool.end();
  }
}
