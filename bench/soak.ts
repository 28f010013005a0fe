// `npm run soak`: Herald under faults, bounded in time, on loopback only. An embedded PostgreSQL of
// its own, `herald api`, one steady `herald worker` and two more that are SIGKILLed at random and
// restarted; SOAK_EVENTS (12,000) events through the API across 4 tenants × both modes, each with
// 3 endpoints whose receivers misbehave (bench/soak-receiver.ts: slow, flaky — 5xx, hangs past the
// timeout, connection resets — and one that answers 410 Gone); the database is restarted once
// mid-run. Ingestion retries each event under its Idempotency-Key until it is acknowledged (201).
// A compressed retry schedule (HERALD_RETRY_SCHEDULE=1s,2s,4s, 2 s timeout) lets every delivery end
// within the run. Then it checks, and prints a summary:
//   - every acknowledged event reached every endpoint its filters match (enabled ones: all but the
//     410 one, which is disabled by its first answer) at least once with a valid signature;
//   - no webhook reached another tenant or mode;
//   - no delivery is stuck: each is delivered, failed after attempts, or cancelled (its endpoint
//     disabled by a 410);
//   - memory levels off: the API's and the steady worker's live heap after their last major
//     garbage collection is within 25 % of the live heap after their last one of the warm-up (from
//     V8's --trace-gc lines in their logs). Their RSS after warm-up and at the end (each the median
//     over the last 10 s of ingestion at the same rate) is reported beside it, and gates only when
//     no major collection came after the warm-up: between two collections V8 lets garbage grow the
//     old generation from ~40 MB live to over 100 MB, so an RSS reading says more about where in
//     that cycle it fell than about a leak (docs/reliability.md, "Soak").
// Exits 1 when a check fails or the run exceeds SOAK_DEADLINE_S (900).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startEmbedded, type EmbeddedServer } from '../src/db/embedded.ts';
import { migrate } from '../src/runtime.ts';
import { forkChild } from './child.ts';
import { heraldEnv, startHerald, type HeraldProcess } from './cluster.ts';
import type { SoakArrival } from './soak-receiver.ts';

const EVENTS = Number(process.env.SOAK_EVENTS ?? 12_000);
/** Events before the faults start: the RSS after warm-up is read as they go in. */
const WARMUP = Math.round(EVENTS / 4);
/** Events a second the clients send (retries come on top). */
const RATE = 120;
const DEADLINE_S = Number(process.env.SOAK_DEADLINE_S ?? 900);
const TENANTS = 4;
const MODES = ['live', 'test'] as const;
const TYPES = ['soak.a', 'soak.b', 'soak.c'];
/** Per tenant and mode: what each endpoint hears and how its receiver behaves. */
const ENDPOINTS = [
  { filters: ['*'], behaviour: 'slow' },
  { filters: ['soak.*'], behaviour: 'flaky' },
  { filters: ['soak.a', 'soak.b'], behaviour: 'ok' },
];
const CLIENTS = 32;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
};

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function startReceivers(servers: number) {
  const child = forkChild(join(ROOT, 'bench/soak-receiver.ts'));
  return {
    start: async () => (await child.ask<{ ports: number[] }>({ type: 'start', servers }, 'started')).ports,
    secrets: async (secrets: Record<string, string>) => void (await child.ask({ type: 'secrets', secrets }, 'noted')),
    take: async () => (await child.ask<{ arrivals: SoakArrival[] }>({ type: 'take' }, 'taken')).arrivals,
    stop: () => child.stop(),
  };
}

interface Scope {
  tenant: number;
  tenantId: string;
  mode: (typeof MODES)[number];
  key: string;
  endpoints: Array<{ id: string; path: string; filters: string[]; behaviour: string }>;
}

const matches = (filters: string[], type: string) => filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));

async function main(): Promise<number> {
  const deadline = setTimeout(() => {
    console.error(`soak: over its deadline of ${DEADLINE_S} s`);
    process.exit(1);
  }, DEADLINE_S * 1000);
  deadline.unref();

  // ── the database, Herald and the receivers ──
  const dir = mkdtempSync(join(tmpdir(), 'herald-soak-'));
  const pgDir = join(dir, 'postgres');
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  let server: EmbeddedServer = await startEmbedded(pgDir, { port, durable: true });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('create database herald_soak');
  await admin.end();
  const ownerUrl = new URL(server.url);
  ownerUrl.pathname = '/herald_soak';
  await migrate(ownerUrl.toString(), { runtimePassword: server.runtimePassword });
  const runtimeUrl = new URL(ownerUrl);
  runtimeUrl.username = 'herald_app';
  runtimeUrl.password = server.runtimePassword;
  const env = heraldEnv({ url: ownerUrl.toString(), runtimeUrl: runtimeUrl.toString() }, join(dir, 'logs'), {
    HERALD_RETRY_SCHEDULE: '1s,2s,4s', HERALD_DELIVERY_TIMEOUT: '2s', LOG_LEVEL: 'warn',
  });
  const receivers = startReceivers(4);
  const ports = await receivers.start();
  // Their collections are traced: the live heap after each major one is the memory check.
  const spawned = Date.now();
  const api = await startHerald('api', env, 'api', ['--trace-gc']);
  const steadyWorker = await startHerald('worker', env, 'worker-steady', ['--trace-gc']);
  const chaos: HeraldProcess[] = [await startHerald('worker', env, 'worker-chaos-0'), await startHerald('worker', env, 'worker-chaos-1')];
  const apiUrl = `http://127.0.0.1:${api.port}`;
  // RSS of the API and the steady worker, every 500 ms.
  const rss: Array<{ at: number; api: number; worker: number }> = [];
  const sampler = setInterval(() => rss.push({ at: Date.now(), api: rssMb(api.child.pid!), worker: rssMb(steadyWorker.child.pid!) }), 500);
  /** The median RSS of each over the `ms` before `until`. */
  const rssBefore = (until: number, ms: number) => {
    const window = rss.filter((r) => r.at > until - ms && r.at <= until);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    return { api: median(window.map((r) => r.api)), worker: median(window.map((r) => r.worker)) };
  };
  log(`Herald up: api, 1 steady worker, 2 workers to be killed; database on port ${port}; logs in ${join(dir, 'logs')}`);

  // ── tenants, modes, endpoints ──
  const scopes: Scope[] = [];
  const secrets: Record<string, string> = {};
  for (let t = 0; t < TENANTS; t++) {
    const tenant = await call(apiUrl, env.adminToken, 'POST', '/admin/v1/tenants', { name: `Soak ${t} ${randomBytes(3).toString('hex')}` });
    await call(apiUrl, env.adminToken, 'PATCH', `/admin/v1/tenants/${tenant.id}`, { api_rate_limit: 100_000 });
    const org = await call(apiUrl, env.adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Soak' });
    for (const mode of MODES) {
      const { key } = await call(apiUrl, env.adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { org_id: org.id, mode, kind: 'secret', role: 'owner' });
      const scope: Scope = { tenant: t, tenantId: tenant.id, mode, key, endpoints: [] };
      for (const [n, spec] of ENDPOINTS.entries()) {
        // One endpoint of one scope answers 410 Gone.
        const behaviour = t === 0 && mode === 'live' && n === 2 ? 'gone' : spec.behaviour;
        const path = `/T${t}/${mode}/e${n}/${behaviour}`;
        const url = `http://127.0.0.1:${ports[(t * 6 + scopes.length + n) % ports.length]}${path}`;
        const ep = await call(apiUrl, key, 'POST', '/v1/webhook-endpoints', { url, event_types: spec.filters });
        secrets[path] = (await call(apiUrl, key, 'GET', `/v1/webhook-endpoints/${ep.id}/secret`)).secret;
        scope.endpoints.push({ id: ep.id, path, filters: spec.filters, behaviour });
      }
      scopes.push(scope);
    }
  }
  await receivers.secrets(secrets);
  log(`${TENANTS} tenants × 2 modes × ${ENDPOINTS.length} endpoints`);

  // ── ingestion: every event retried under its Idempotency-Key until acknowledged ──
  const acknowledged: Array<{ id: string; type: string; scope: Scope }> = [];
  const answers = new Map<string, number>();
  const count = (what: string) => answers.set(what, (answers.get(what) ?? 0) + 1);
  /** Events [from, to), paced at `rate` a second, by CLIENTS clients. */
  const ingest = async (from: number, to: number, rate: number) => {
    let next = from;
    const t0 = Date.now();
    const client = async () => {
      for (let n = next++; n < to; n = next++) {
        const due = t0 + ((n - from) * 1000) / rate;
        if (due > Date.now()) await sleep(due - Date.now());
        const scope = scopes[n % scopes.length];
        const type = TYPES[n % TYPES.length];
        const key = `soak-${n}-${randomBytes(4).toString('hex')}`;
        for (let tries = 0; ; tries++) {
          try {
            const res = await fetch(`${apiUrl}/v1/events`, {
              method: 'POST', body: JSON.stringify({ type, data: { n } }), signal: AbortSignal.timeout(20_000),
              headers: { authorization: `Bearer ${scope.key}`, 'content-type': 'application/json', 'idempotency-key': key },
            });
            const text = await res.text();
            count(String(res.status));
            if (res.status === 201) {
              acknowledged.push({ id: JSON.parse(text).id, type, scope });
              break;
            }
          } catch (err) {
            count((err as Error).name === 'TimeoutError' ? 'timeout' : 'connection error');
          }
          await sleep(Math.min(2_000, 100 * 2 ** tries));
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
  };
  /** Waits until no event waits for dispatch and no delivery for an attempt; returns how many still do. */
  const settle = async (owner: pg.Client, ms: number) => {
    let open = Infinity;
    for (const until = Date.now() + ms; Date.now() < until;) {
      try {
        const { rows } = await owner.query(`select (select count(*) from outbox)::int + (select count(*) from deliveries where status in ('pending', 'retrying'))::int as n`);
        open = rows[0].n;
        if (open === 0) break;
      } catch {
        // the database restarting
      }
      await sleep(1_000);
    }
    return open;
  };

  // ── warm-up: the first events without faults ──
  await ingest(0, WARMUP, RATE);
  // Both RSS readings are the median over the last 10 s of ingestion at the same rate.
  const warm = rssBefore(Date.now(), 10_000);
  const warmedAt = Date.now();
  log(`warmed up (${acknowledged.length} events): RSS api ${warm.api.toFixed(0)} MB, steady worker ${warm.worker.toFixed(0)} MB`);

  // ── the rest under faults: workers SIGKILLed at random, the database restarted once ──
  let kills = 0;
  let ingesting = true;
  const killer = (async () => {
    while (ingesting) {
      await sleep(2_000 + Math.random() * 4_000);
      if (!ingesting) break;
      const i = Math.floor(Math.random() * chaos.length);
      chaos[i].child.kill('SIGKILL');
      await chaos[i].stop();
      kills++;
      await sleep(500 + Math.random() * 1_500);
      chaos[i] = await startHerald('worker', env, `worker-chaos-${i}-${kills}`).catch(async (err) => {
        log(`restarting a worker failed (${(err as Error).message}); trying again`);
        await sleep(2_000);
        return startHerald('worker', env, `worker-chaos-${i}-${kills}b`);
      });
    }
  })();
  let restartedAt = 0;
  const restart = (async () => {
    while (acknowledged.length < WARMUP + (EVENTS - WARMUP) * 0.4) await sleep(200);
    log(`restarting the database (${acknowledged.length} events acknowledged)`);
    await server.stop();
    await sleep(3_000);
    server = await startEmbedded(pgDir, { port, durable: true });
    restartedAt = Date.now();
    log('the database is back');
  })();
  const progress = setInterval(() => {
    const now = rssBefore(Date.now(), 10_000);
    log(`${acknowledged.length}/${EVENTS} events acknowledged; ${kills} workers killed so far; RSS api ${now.api.toFixed(0)} MB, steady worker ${now.worker.toFixed(0)} MB`);
  }, 10_000);
  await ingest(WARMUP, EVENTS, RATE);
  const end = rssBefore(Date.now(), 10_000);
  ingesting = false;
  await Promise.all([killer, restart]);
  clearInterval(progress);
  log(`ingestion done: ${acknowledged.length} events acknowledged; answers ${[...answers].map(([s, n]) => `${s} × ${n}`).join(', ')}`);

  // ── every delivery ends ──
  const finalOwner = new pg.Client({ connectionString: ownerUrl.toString() });
  await finalOwner.connect();
  const open = await settle(finalOwner, 240_000);
  await sleep(2_000);
  const arrivals: SoakArrival[] = [];
  for (let i = 0; i < 3; i++) {
    arrivals.push(...(await receivers.take()));
    await sleep(500);
  }
  clearInterval(sampler);

  // ── checks ──
  const problems: string[] = [];
  const signed = new Map<string, Set<string>>(); // endpoint path → event ids that reached it with a valid signature
  let crossed = 0;
  let invalid = 0;
  const scopeOf = new Map(scopes.flatMap((s) => s.endpoints.map((e) => [e.path, s] as const)));
  for (const a of arrivals) {
    const scope = scopeOf.get(a.path);
    if (!scope || a.headerTenant !== scope.tenantId || a.bodyTenant !== scope.tenantId || a.bodyMode !== scope.mode) crossed++;
    if (!a.validSignature) invalid++;
    else {
      if (!signed.has(a.path)) signed.set(a.path, new Set());
      signed.get(a.path)!.add(a.id);
    }
  }
  const eventScope = new Map(acknowledged.map((e) => [e.id, e.scope]));
  for (const a of arrivals) if (eventScope.has(a.id) && eventScope.get(a.id)!.endpoints.every((e) => e.path !== a.path)) crossed++;
  if (crossed) problems.push(`${crossed} webhooks reached another tenant or mode`);
  if (invalid) problems.push(`${invalid} webhooks carried no valid signature`);
  let expected = 0;
  let missing = 0;
  for (const e of acknowledged) {
    for (const ep of e.scope.endpoints) {
      if (ep.behaviour === 'gone' || !matches(ep.filters, e.type)) continue;
      expected++;
      if (!signed.get(ep.path)?.has(e.id)) missing++;
    }
  }
  if (missing) problems.push(`${missing} of ${expected} (event, endpoint) pairs never arrived`);
  const { rows: statuses } = await finalOwner.query(
    `select status, coalesce(status_reason, '') as reason, attempt_count > 0 as attempted, count(*)::int as n from deliveries group by 1, 2, 3 order by 4 desc`);
  const stuck = statuses.filter((s) => ['pending', 'retrying'].includes(s.status) || (s.status === 'failed' && !s.attempted)
    || (s.status === 'cancelled' && !/disabled/.test(s.reason)));
  if (stuck.length || open) problems.push(`stuck deliveries: ${JSON.stringify(stuck)} (${open} open)`);
  const { rows: disabled } = await finalOwner.query(`select count(*)::int as n from webhook_endpoints where not enabled`);
  const growth = { api: end.api / warm.api - 1, worker: end.worker / warm.worker - 1 };
  const heaps = {
    api: liveHeaps(join(dir, 'logs', 'api.log'), warmedAt - spawned), worker: liveHeaps(join(dir, 'logs', 'worker-steady.log'), warmedAt - spawned),
  };
  for (const name of ['api', 'worker'] as const) {
    const h = heaps[name];
    if (h.warm !== undefined && h.end !== undefined && h.collectionsAfterWarmUp > 0) {
      if (!(Math.abs(h.end / h.warm - 1) <= 0.25)) problems.push(`${name} live heap changed ${((h.end / h.warm - 1) * 100).toFixed(0)} % since warm-up`);
    } else if (!(Math.abs(growth[name]) <= 0.25)) {
      problems.push(`${name} RSS changed ${(growth[name] * 100).toFixed(0)} % since warm-up (no major collection after it)`);
    }
  }
  await finalOwner.end();

  const byStatus = (status: string) => statuses.filter((s) => s.status === status).reduce((n, s) => n + s.n, 0);
  const summary = [
    `soak: ${acknowledged.length} events acknowledged across ${TENANTS} tenants × 2 modes × ${ENDPOINTS.length} endpoints in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    `  faults: ${kills} worker SIGKILLs (restarted), 1 database restart (${restartedAt ? 'recovered' : 'not done'}), receivers slow / flaky (5xx, hangs past the 2 s timeout, resets) / 410`,
    `  ingestion answers: ${[...answers].map(([s, n]) => `${s} × ${n}`).join(', ')}`,
    `  webhooks received: ${arrivals.length} (${arrivals.filter((a) => a.validSignature).length} with a valid signature); ${expected - missing}/${expected} (event, matching endpoint) pairs reached; ${crossed} crossed tenants or modes`,
    `  deliveries: ${byStatus('delivered')} delivered, ${byStatus('failed')} failed after attempts, ${byStatus('cancelled')} cancelled (endpoint disabled); ${open} not ended; ${disabled[0].n} endpoint disabled by its 410`,
    `  live heap after the last major collection of the warm-up → of the run: api ${mb(heaps.api.warm)} → ${mb(heaps.api.end)} (${heaps.api.collectionsAfterWarmUp} after warm-up), steady worker ${mb(heaps.worker.warm)} → ${mb(heaps.worker.end)} (${heaps.worker.collectionsAfterWarmUp} after warm-up)`,
    `  RSS after warm-up → at the end (median of the last 10 s of ingestion): api ${warm.api.toFixed(0)} → ${end.api.toFixed(0)} MB (${(growth.api * 100).toFixed(1)} %), steady worker ${warm.worker.toFixed(0)} → ${end.worker.toFixed(0)} MB (${(growth.worker * 100).toFixed(1)} %)`,
    problems.length ? `  FAILED: ${problems.join('; ')}` : '  every check passed',
  ];
  console.log(`\n${summary.join('\n')}`);

  for (const p of [api, steadyWorker, ...chaos]) await p.stop();
  await receivers.stop();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return problems.length ? 1 : 0;
}

const mb = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(1)} MB`);

/**
 * The live heap after major collections, from a process's --trace-gc lines
 * (`<ms since start>: Mark-Compact <before> (<committed>) -> <after> (<committed>) MB`): after the
 * last one before `warmUpMs`, after the last one of all, and how many came after the warm-up.
 */
function liveHeaps(logFile: string, warmUpMs: number): { warm?: number; end?: number; collectionsAfterWarmUp: number } {
  const collections = [...readFileSync(logFile, 'utf8').matchAll(/\s(\d+) ms: Mark-Compact[^\n]*?-> ([\d.]+) \(/g)]
    .map((m) => ({ atMs: Number(m[1]), liveMb: Number(m[2]) }));
  const before = collections.filter((c) => c.atMs <= warmUpMs);
  const after = collections.filter((c) => c.atMs > warmUpMs);
  return { warm: (before.at(-1) ?? collections[0])?.liveMb, end: collections.at(-1)?.liveMb, collectionsAfterWarmUp: after.length };
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
