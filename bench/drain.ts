// Scenario: a worker draining a backlog of queued deliveries (first attempts' jobs already on the
// queue, as the dispatcher leaves them), with the statements and commits it costs per delivery;
// and the baseline: bare pg-boss draining as many no-op jobs with the same queue options.
import { systemClock } from '../src/clock.ts';
import type { ServiceContext } from '../src/context.ts';
import { createAppPool } from '../src/db/pool.ts';
import { createLogger } from '../src/logger.ts';
import { Queue } from '../src/queue/index.ts';
import { dispatchBatch } from '../workers/dispatch.ts';
import type { Arrival } from './receiver.ts';
import { collect, cpuSeconds, heraldEnv, resetStatements, startHerald, statementCounters, type Receivers, type HeraldEnv, type HeraldProcess, type Server } from './cluster.ts';
import { createTenants, eventClient, ingest, type BenchTenant } from './setup.ts';

export interface DrainResult {
  deliveries: number;
  seconds: number;
  perSecond: number;
  statementsPerDelivery: number;
  commitsPerDelivery: number;
  peakRssMb: Record<string, number>;
  /** CPU seconds each process used while draining (postgres: all of the server's processes). */
  cpu: Record<string, number>;
  /** Deliveries per second, second by second from the first receipt. */
  timeline: number[];
}

/** Events in through the API (no worker running), then dispatched here: the backlog a worker finds. */
export async function prepareBacklog(env: HeraldEnv, receivers: Receivers, tenants: number, endpointsEach: number, events: number, log: (s: string) => void) {
  const api = await startHerald('api', env, 'drain-api');
  let made: BenchTenant[];
  try {
    made = await createTenants(`http://127.0.0.1:${api.port}`, env.adminToken, receivers.ports, tenants, endpointsEach);
    const client = eventClient(`http://127.0.0.1:${api.port}`);
    await ingest(client, made, events, 32, (n) => log(`    ingesting the backlog: ${n}/${events} events`));
    await client.close();
  } finally {
    await api.stop();
  }
  const logger = createLogger('silent');
  const pool = createAppPool(env.databaseUrl, 4);
  const queue = new Queue({ databaseUrl: env.databaseUrl, role: 'producer', pool, clock: systemClock, logger });
  await queue.start();
  const services = { pool, queue, logger, clock: systemClock } as unknown as ServiceContext;
  let deliveries = 0;
  for (;;) {
    const batch = await dispatchBatch(services);
    deliveries += batch.deliveries;
    if (!batch.events) break;
  }
  await queue.analyze(); // what the running dispatcher does after every few thousand jobs
  await queue.stop({ graceful: false, timeoutMs: 1_000 });
  await pool.end();
  return { tenants: made, deliveries };
}

export function perSecond(arrivals: Arrival[]): number[] {
  if (!arrivals.length) return [];
  const start = Math.min(...arrivals.map((a) => a.at));
  const bins: number[] = [];
  for (const a of arrivals) {
    const i = Math.floor((a.at - start) / 1000);
    bins[i] = (bins[i] ?? 0) + 1;
  }
  return Array.from(bins, (n) => n ?? 0);
}

/** Starts `workers` worker processes on the backlog and measures until every delivery arrived. */
export async function drain(server: Server, env: HeraldEnv, receivers: Receivers, deliveries: number, workers: number, log: (s: string) => void): Promise<DrainResult> {
  await receivers.take();
  await resetStatements(env.databaseUrl);
  const before = await statementCounters(env.databaseUrl);
  const started: HeraldProcess[] = [];
  for (let i = 0; i < workers; i++) started.push(await startHerald('worker', env, `drain-worker-${workers}-${i}`));
  const pids = () => Object.fromEntries([...started.map((w, i) => [`worker ${i + 1}`, w.child.pid!]), ['receivers', receivers.pid]]);
  const cpuBefore = cpuSeconds(pids(), server);
  try {
    const arrivals = await collect(receivers, deliveries, 300_000, (n) => log(`    draining: ${n}/${deliveries} delivered`));
    const cpuAfter = cpuSeconds(pids(), server);
    await new Promise((r) => setTimeout(r, 2_000)); // statistics reach pg_stat_database when backends go idle
    const after = await statementCounters(env.databaseUrl);
    const firsts = arrivals.filter((a) => a.attempt === 1);
    const times = firsts.map((a) => a.at);
    const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
    return {
      deliveries: firsts.length, seconds, perSecond: firsts.length / seconds,
      statementsPerDelivery: (after.calls - before.calls) / firsts.length,
      commitsPerDelivery: (after.commits - before.commits) / firsts.length,
      peakRssMb: Object.fromEntries(started.map((w, i) => [`worker ${i + 1}`, w.peakRssMb()])),
      timeline: perSecond(firsts),
      cpu: Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, Math.round((v - (cpuBefore[k] ?? 0)) * 10) / 10])),
    };
  } finally {
    for (const w of started) await w.stop();
  }
}

export { heraldEnv };
