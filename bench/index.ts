// `npm run bench`: POST /v1/orders (two line items) at 32 concurrent clients against a real API
// in this process, beside the raw-SQL baseline doing the same inserts through pg at the same
// concurrency and pool size. Prints requests/s, p50/p99 and the API/baseline ratio (target ≥ 0.5).
// Uses DATABASE_URL's server when set (a scratch database is created and dropped), else an
// embedded one. After a warm-up of each, the two alternate for BENCH_ROUNDS rounds (default 5) of
// BENCH_SECONDS (3) each and the medians are compared, so a noisy neighbour skews both alike. BENCH_CONCURRENCY (32) and
// BENCH_POOL (10, the API's default pool size; both sides get one this size) tune it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { loadConfig } from '../src/config.ts';
import { startEmbedded } from '../src/db/embedded.ts';
import { systemClock } from '../src/clock.ts';
import type { ServiceContext } from '../src/context.ts';
import { createAppPool } from '../src/db/pool.ts';
import { createApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { Queue } from '../src/queue/index.ts';
import { closeServer, listen, migrate } from '../src/runtime.ts';
import { createProduct } from '../src/services/products.ts';
import { createKey } from '../src/services/apiKeys.ts';
import { createOrganization, createTenant, patchTenant } from '../src/services/tenants.ts';
import { randomBytes } from 'node:crypto';
import { insertOrderDirectly } from './baseline.ts';
import { runLoad, type LoadResult } from './load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const POOL_SIZE = Number(process.env.BENCH_POOL ?? 10);
const WARMUP_SECONDS = 2;

async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = async () => {};
  let dataDir: string | undefined;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
    const server = await startEmbedded(dataDir, { durable: false });
    serverUrl = server.url;
    stopServer = server.stop;
  }
  const name = `herald_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      // pg-pool's end() does not wait for its sockets to close; let them go before dropping.
      for (let i = 0; i < 40; i++) {
        const { rows } = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await stopServer();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const row = (name: string, r: LoadResult) =>
  `${name.padEnd(20)} ${r.perSecond.toFixed(0).padStart(8)} req/s   p50 ${r.p50Ms.toFixed(2).padStart(7)} ms   p99 ${r.p99Ms.toFixed(2).padStart(7)} ms   (${r.requests} in ${r.seconds} s${r.errors ? `, ${r.errors} errors` : ''})`;

/** The round with the median throughput. */
const median = (rounds: LoadResult[]) => [...rounds].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds.length / 2)];

async function main() {
  const db = await scratchDatabase();
  await migrate(db.url);
  const config = loadConfig({
    NODE_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'silent', HERALD_ADMIN_TOKEN: randomBytes(16).toString('hex'),
    HERALD_JWT_SECRET: randomBytes(32).toString('hex'), HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  const apiPool = createAppPool(db.url, POOL_SIZE);
  const baselinePool = createAppPool(db.url, POOL_SIZE);
  const logger = createLogger('silent');
  const queue = new Queue({ databaseUrl: db.url, role: 'producer', pool: apiPool, clock: systemClock, logger });
  await queue.start();
  const services: ServiceContext = { config, pool: apiPool, queue, clock: systemClock, logger };
  const server = await listen(createApp(services), 0, '127.0.0.1');
  const http = new HttpPool(`http://127.0.0.1:${(server.address() as { port: number }).port}`, { connections: CONCURRENCY, allowH2: false });
  try {
    const tenant = await createTenant(services, { name: 'Bench shop' });
    // The per-tenant API limit (default 1,000/s) is not what is measured; its cost still is.
    await patchTenant(services, tenant.id, { api_rate_limit: 1_000_000 });
    const org = await createOrganization(services, tenant.id, 'Bench');
    const { key } = await createKey(services, { tenantId: tenant.id, orgId: org.id }, { mode: 'live', kind: 'secret', role: 'developer' });
    const scope = { tenantId: tenant.id, mode: 'live' as const };
    const product = await createProduct(services, scope, {
      name: 'Bench',
      variants: [1, 2].map((i) => ({ sku: `bench-${i}`, price: 1000 * i, currency: 'USD', inventory_quantity: 1_000_000 })),
    });
    const body = JSON.stringify({ line_items: product.variants.map((v) => ({ variant_id: v.id, quantity: 1 })) });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const api = (seconds: number) => runLoad(CONCURRENCY, seconds, async () => {
      const res = await http.request({ method: 'POST', path: '/v1/orders', headers, body });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${text}`);
    });
    const baseline = (seconds: number) => runLoad(CONCURRENCY, seconds, () =>
      insertOrderDirectly(baselinePool, { tenantId: tenant.id, productId: product.id, variants: product.variants }));

    console.log(`POST /v1/orders (2 line items) vs raw SQL: ${CONCURRENCY} concurrent clients, pool ${POOL_SIZE}, ${ROUNDS} rounds of ${SECONDS} s after ${WARMUP_SECONDS} s warm-up each\n`);
    await api(WARMUP_SECONDS);
    await baseline(WARMUP_SECONDS);
    const results = { api: [] as LoadResult[], baseline: [] as LoadResult[] };
    for (let round = 1; round <= ROUNDS; round++) {
      results.api.push(await api(SECONDS));
      console.log(row(`API, round ${round}`, results.api.at(-1)!));
      results.baseline.push(await baseline(SECONDS));
      console.log(row(`baseline, round ${round}`, results.baseline.at(-1)!));
    }
    const apiMedian = median(results.api);
    const baselineMedian = median(results.baseline);
    console.log(`\n${row('API (median)', apiMedian)}\n${row('raw-SQL baseline', baselineMedian)}`);
    console.log(`\nratio API/baseline: ${(apiMedian.perSecond / baselineMedian.perSecond).toFixed(2)} (target ≥ 0.5)`);
  } finally {
    await http.close();
    await closeServer(server, 1000);
    await queue.stop({ graceful: false, timeoutMs: 1_000 });
    await apiPool.end();
    await baselinePool.end();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
