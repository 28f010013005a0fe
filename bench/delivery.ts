// Scenarios with ingest and delivery running together, against Herald processes in either shape
// (`herald api` + `herald worker`, or `herald all`):
//   burst  — N events through POST /v1/events from 32 clients, 10 tenants × 3 endpoints;
//            deliveries per second from the first event's commit to the last receipt;
//   steady — a fixed rate of events for a while; commit → receipt latency, second by second.
// Latency is the receiver's arrival time minus the event's created_at (its commit).
import pg from 'pg';
import { collect, cpuSeconds, startHerald, type HeraldEnv, type HeraldProcess, type Receivers, type Server } from './cluster.ts';
import type { Arrival } from './receiver.ts';
import { createTenants, eventClient, ingest } from './setup.ts';

export type Shape = 'api+worker' | 'all';

export interface Processes {
  apiUrl: string;
  list: HeraldProcess[];
  stop(): Promise<void>;
  peakRssMb(): Record<string, number>;
  pids(): Record<string, number>;
}

export async function startShape(shape: Shape, env: HeraldEnv, name: string): Promise<Processes> {
  const list = shape === 'all'
    ? [await startHerald('all', env, `${name}-all`)]
    : [await startHerald('api', env, `${name}-api`), await startHerald('worker', env, `${name}-worker`)];
  return {
    apiUrl: `http://127.0.0.1:${list[0].port}`,
    list,
    async stop() {
      for (const p of list) await p.stop();
    },
    peakRssMb: () => Object.fromEntries(list.map((p) => [p.role, p.peakRssMb()])),
    pids: () => Object.fromEntries(list.map((p) => [p.role, p.child.pid!])),
  };
}

export function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

export interface BurstResult {
  events: number;
  deliveries: number;
  seconds: number;
  perSecond: number;
  ingestPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: Record<string, number>;
  cpu: Record<string, number>;
}

export async function burst(
  server: Server, env: HeraldEnv, receivers: Receivers, shape: Shape, events: number, log: (s: string) => void,
): Promise<BurstResult> {
  const processes = await startShape(shape, env, `burst-${shape}`);
  try {
    const tenants = await createTenants(processes.apiUrl, env.adminToken, receivers.ports, 10, 3);
    await receivers.take();
    const cpuBefore = cpuSeconds({ ...processes.pids(), receivers: receivers.pid }, server);
    const client = eventClient(processes.apiUrl);
    const ingested = ingest(client, tenants, events, 32, (n) => log(`    ingesting: ${n}/${events} events`));
    const arrivals = await collect(receivers, events * 3, 600_000, (n) => log(`    delivered: ${n}/${events * 3}`));
    const { first, last } = await ingested;
    await client.close();
    const cpuAfter = cpuSeconds({ ...processes.pids(), receivers: receivers.pid }, server);
    const firsts = arrivals.filter((a) => a.attempt === 1);
    const lastArrival = Math.max(...firsts.map((a) => a.at));
    const latencies = firsts.map((a) => a.latencyMs).sort((a, b) => a - b);
    const seconds = (lastArrival - first) / 1000;
    return {
      events, deliveries: firsts.length, seconds, perSecond: firsts.length / seconds, ingestPerSecond: events / ((last - first) / 1000),
      p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), peakRssMb: processes.peakRssMb(),
      cpu: Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, Math.round((v - (cpuBefore[k] ?? 0)) * 10) / 10])),
    };
  } finally {
    await processes.stop();
  }
}

export interface SteadyResult {
  rate: number;
  seconds: number;
  deliveries: number;
  p50Ms: number;
  p99Ms: number;
  /** Per second after the warm-up: p50 and p99 of the deliveries of events created in that second. */
  timeline: { p50: number[]; p99: number[] };
  peakRssMb: Record<string, number>;
}

/** `rate` events a second, open loop (sent on a clock, not after each answer), for `seconds` after a 3 s warm-up. */
export async function steady(
  env: HeraldEnv, receivers: Receivers, shape: Shape, rate: number, seconds: number, log: (s: string) => void,
): Promise<SteadyResult> {
  const processes = await startShape(shape, env, `steady-${shape}`);
  try {
    const tenants = await createTenants(processes.apiUrl, env.adminToken, receivers.ports, 10, 3);
    await receivers.take();
    const client = eventClient(processes.apiUrl, 64);
    const warmup = 3;
    const total = rate * (warmup + seconds);
    const start = performance.now();
    const measuredFrom = Date.now() + warmup * 1000;
    const sent: Promise<unknown>[] = [];
    for (let n = 0; n < total; n++) {
      const due = start + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sent.push(client.emit(tenants[n % tenants.length].key, 'bench.steady', { n }));
      if (n % (rate * 5) === 0 && n) log(`    steady: ${Math.round(n / rate)} s of ${warmup + seconds}`);
    }
    await Promise.all(sent);
    const arrivals: Arrival[] = await collect(receivers, total * 3, 120_000);
    await client.close();
    const measured = arrivals.filter((a) => a.attempt === 1 && a.at - a.latencyMs >= measuredFrom);
    const sorted = measured.map((a) => a.latencyMs).sort((a, b) => a - b);
    const bySecond: number[][] = [];
    for (const a of measured) (bySecond[Math.floor((a.at - a.latencyMs - measuredFrom) / 1000)] ??= []).push(a.latencyMs);
    const series = Array.from(bySecond, (values) => (values ?? []).sort((a, b) => a - b));
    return {
      rate, seconds, deliveries: measured.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99),
      timeline: { p50: series.map((v) => percentile(v, 0.5)), p99: series.map((v) => percentile(v, 0.99)) },
      peakRssMb: processes.peakRssMb(),
    };
  } finally {
    await processes.stop();
  }
}

export interface StageLatency {
  /** Event commit → its delivery row: the dispatcher's cycle. */
  dispatchP50Ms: number;
  /** Delivery row → its first attempt starting: the job, the worker's claim and load, its line. */
  claimP50Ms: number;
  /** The first attempt's request, to its answer. */
  requestP50Ms: number;
}

/**
 * Where commit → receipt goes, from Herald's own timestamps (events.created_at,
 * deliveries.created_at, the first attempt's started_at and duration), over every first attempt
 * of the scenario's database. Read as the server's superuser: the tables' row-level security
 * binds even their owner.
 */
export async function stageLatency(serverUrl: string, databaseUrl: string): Promise<StageLatency> {
  const url = new URL(serverUrl);
  url.pathname = new URL(databaseUrl).pathname;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    const p50 = (expr: string) => `percentile_cont(0.5) within group (order by ${expr})::float8`;
    const { rows } = await c.query(
      `select ${p50('extract(epoch from d.created_at - e.created_at) * 1000')} as dispatch,
              ${p50('extract(epoch from a.started_at - d.created_at) * 1000')} as claim,
              ${p50('a.duration_ms')} as request
         from events e
         join deliveries d on d.tenant_id = e.tenant_id and d.event_id = e.id
         join delivery_attempts a on a.tenant_id = d.tenant_id and a.delivery_id = d.id and a.number = 1`,
    );
    return { dispatchP50Ms: rows[0].dispatch, claimP50Ms: rows[0].claim, requestP50Ms: rows[0].request };
  } finally {
    await c.end();
  }
}
