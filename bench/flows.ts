// Scenarios for the delivery guarantees (docs/delivery.md, "Ordering, windows and rate limits"):
//   fairness     — tenant A has 100,000 deliveries queued to an endpoint answering in 200 ms;
//                  tenant B sends 100 events at 20/s: B's commit → receipt latency while A drains;
//   ordering     — 1,000 keys × 20 events to one endpoint ordered by key, its receiver failing 5 %
//                  at random, retries 200 ms apart: every key in commit order, and 2xx receipts/s
//                  against the same run unordered;
//   rate limit   — rate_limit 50 on one endpoint with a 2,000-event backlog and two worker
//                  processes, for 30 s: attempts per second, and the tenant's other endpoint.
// Backlogs are written below the API as the owner in bulk (events and their outbox rows, as the
// API writes them), so the scenario times delivery, not ingestion; the dispatcher fans them out.
import pg from 'pg';
import { newId } from '../src/ids.ts';
import { startHerald, startReceivers, type HeraldEnv } from './cluster.ts';
import { percentile, startShape } from './delivery.ts';
import type { Arrival } from './receiver.ts';
import { createTenants, eventClient } from './setup.ts';

type Log = (line: string) => void;

/** Events (with their outbox rows) for one tenant's live mode, in the order given: that is their commit order. */
async function queueEvents(ownerUrl: string, tenantId: string, events: Array<{ type: string; data: Record<string, unknown>; key?: string }>): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    for (let i = 0; i < events.length; i += 5_000) {
      const rows = JSON.stringify(events.slice(i, i + 5_000).map((e) => ({ id: newId('event'), type: e.type, data: e.data, k: e.key ?? null })));
      await c.query('begin');
      await c.query(
        `insert into events (tenant_id, id, mode, type, data, ordering_key)
         select $1::uuid, x.id, 'live', x.type, x.data, x.k from json_to_recordset($2::json) as x (id text, type text, data json, k text)`,
        [tenantId, rows],
      );
      await c.query(
        `insert into outbox (tenant_id, event_id, mode)
         select $1::uuid, x.id, 'live' from rows from (json_to_recordset($2::json) as (id text)) with ordinality as x (id, n) order by x.n`,
        [tenantId, rows],
      );
      await c.query('commit');
    }
  } finally {
    await c.end();
  }
}

async function ownerQuery<T>(ownerUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function untilDispatched(ownerUrl: string, log: Log): Promise<void> {
  for (let last = 0; ;) {
    const [{ n }] = await ownerQuery<{ n: number }>(ownerUrl, 'select count(*)::int as n from outbox');
    if (!n) return;
    if (Date.now() - last > 5_000) {
      log(`    dispatching: ${n.toLocaleString('en-US')} events left in the outbox`);
      last = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface FairnessResult {
  backlog: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Tenant A while B was measured: its deliveries with a job, and those parked in their flow. */
  aJobs: number;
  aParked: number;
  aDelivered: number;
  peakRssMb: Record<string, number>;
}

export async function fairness(env: HeraldEnv, backlog: number, log: Log): Promise<FairnessResult> {
  const receivers = await startReceivers(2, { t0e0: { delayMs: 200 } });
  const processes = await startShape('api+worker', env, 'fairness');
  try {
    const [a, b] = await createTenants(processes.apiUrl, env.adminToken, receivers.ports, 2, 1);
    log(`    queueing ${backlog.toLocaleString('en-US')} events for tenant A`);
    await queueEvents(env.databaseUrl, a.id, Array.from({ length: backlog }, (_, n) => ({ type: 'bench.backlog', data: { n } })));
    await untilDispatched(env.databaseUrl, log);
    await receivers.take();

    // B: 100 events at 20 a second, open loop.
    const client = eventClient(processes.apiUrl, 8);
    const sent: Promise<unknown>[] = [];
    const start = performance.now();
    for (let n = 0; n < 100; n++) {
      const wait = start + n * 50 - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sent.push(client.emit(b.key, 'bench.prompt', { n }));
    }
    await Promise.all(sent);
    await client.close();
    const bArrivals: Arrival[] = [];
    let aDelivered = 0;
    const deadline = Date.now() + 60_000;
    while (bArrivals.length < 100 && Date.now() < deadline) {
      for (const x of await receivers.take()) {
        if (x.path.startsWith('/t1e0')) bArrivals.push(x);
        else aDelivered++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const [state] = await ownerQuery<{ jobs: number; parked: number }>(env.databaseUrl,
      `select (select count(*) from pgboss.job j where j.group_id = $1)::int as jobs,
              (select count(*) from deliveries d where d.endpoint_id = $1 and d.parked)::int as parked`, [a.endpoints[0]]);
    const latencies = bArrivals.map((x) => x.latencyMs).sort((x, y) => x - y);
    return {
      backlog, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: latencies.at(-1) ?? NaN,
      aJobs: state.jobs, aParked: state.parked, aDelivered, peakRssMb: processes.peakRssMb(),
    };
  } finally {
    await processes.stop();
    await receivers.stop();
  }
}

export interface OrderedResult {
  perSecond: number;
  /** Keys whose events arrived out of commit order (a later event before an earlier one's last attempt). */
  keysOutOfOrder: number;
  attempts: number;
  peakRssMb: Record<string, number>;
}

/** `keys` × `perKey` events to one endpoint with this ordering, its receiver failing `failShare` of requests. */
export async function orderedDrain(
  env: HeraldEnv, ordering: 'key' | 'none', keys: number, perKey: number, failShare: number, log: Log,
): Promise<OrderedResult> {
  const receivers = await startReceivers(1, { t0e0: { failShare } });
  const processes = await startShape('api+worker', env, `ordering-${ordering}`);
  try {
    const [tenant] = await createTenants(processes.apiUrl, env.adminToken, receivers.ports, 1, 1, () => ({ ordering }));
    const events = [];
    for (let n = 0; n < perKey; n++) for (let k = 0; k < keys; k++) events.push({ type: 'bench.ordered', data: { tag: `${k}:${n}` }, key: `k${k}` });
    await queueEvents(env.databaseUrl, tenant.id, events);
    const arrivals: Arrival[] = [];
    const delivered = new Set<string>();
    const deadline = Date.now() + 600_000;
    let lastReport = Date.now();
    while (delivered.size < events.length && Date.now() < deadline) {
      for (const x of await receivers.take()) {
        arrivals.push(x);
        if (x.status < 300) delivered.add(x.tag!);
      }
      if (Date.now() - lastReport > 5_000) {
        log(`    ordering ${ordering}: ${delivered.size.toLocaleString('en-US')} of ${events.length.toLocaleString('en-US')} delivered`);
        lastReport = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (delivered.size < events.length) throw new Error(`ordering ${ordering}: only ${delivered.size} of ${events.length} delivered`);
    const lastOk = Math.max(...arrivals.filter((x) => x.status < 300).map((x) => x.at));
    const first = Math.min(...arrivals.map((x) => x.at));
    // Per key, arrivals in order of arrival must never go back to an earlier event.
    const lastSeen = new Map<string, number>();
    const outOfOrder = new Set<string>();
    for (const x of arrivals.sort((p, q) => p.at - q.at)) {
      const [k, n] = x.tag!.split(':');
      if ((lastSeen.get(k) ?? -1) > Number(n)) outOfOrder.add(k);
      lastSeen.set(k, Math.max(lastSeen.get(k) ?? -1, Number(n)));
    }
    return { perSecond: events.length / ((lastOk - first) / 1000), keysOutOfOrder: outOfOrder.size, attempts: arrivals.length, peakRssMb: processes.peakRssMb() };
  } finally {
    await processes.stop();
    await receivers.stop();
  }
}

export interface RateLimitResult {
  /** Attempts per second to the limited endpoint over the window. */
  perSecond: number;
  /** The busiest whole second (from the first attempt). */
  maxSecond: number;
  /** Seconds the other endpoint took for the same events. */
  otherSeconds: number;
  peakRssMb: Record<string, number>;
}

export async function rateLimited(env: HeraldEnv, limit: number, seconds: number, log: Log): Promise<RateLimitResult> {
  const receivers = await startReceivers(2);
  const api = await startHerald('api', env, 'rate-api');
  const workers = [await startHerald('worker', env, 'rate-worker-1'), await startHerald('worker', env, 'rate-worker-2')];
  try {
    const [tenant] = await createTenants(`http://127.0.0.1:${api.port}`, env.adminToken, receivers.ports, 1, 2, (_, j) => (j === 0 ? { rate_limit: limit } : {}));
    const events = Math.round(limit * seconds * 1.5);
    await queueEvents(env.databaseUrl, tenant.id, Array.from({ length: events }, (_, n) => ({ type: 'bench.paced', data: { n } })));
    const limited: number[] = [];
    const other: number[] = [];
    let first = Infinity;
    while (Date.now() < first + seconds * 1000 + 500) {
      for (const x of await receivers.take()) {
        (x.path.startsWith('/t0e0') ? limited : other).push(x.at);
        if (x.path.startsWith('/t0e0')) first = Math.min(first, x.at);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`    rate limit: ${limited.length} attempts to the limited endpoint, ${other.length} to the other`);
    const window = limited.filter((at) => at < first + seconds * 1000);
    const perSecond = new Array<number>(seconds).fill(0);
    for (const at of window) perSecond[Math.floor((at - first) / 1000)]++;
    const otherSeconds = other.length >= events ? (Math.max(...other) - Math.min(...other)) / 1000 : NaN;
    return {
      perSecond: window.length / seconds, maxSecond: Math.max(...perSecond), otherSeconds,
      peakRssMb: { api: api.peakRssMb(), worker: Math.max(...workers.map((w) => w.peakRssMb())) },
    };
  } finally {
    for (const w of workers) await w.stop();
    await api.stop();
    await receivers.stop();
  }
}
