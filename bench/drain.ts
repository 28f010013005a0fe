// Scenario: workers draining a backlog of queued deliveries (first attempts' jobs already on the
// queue, as the dispatcher leaves them), with the statements and commits it costs per delivery;
// the baseline: bare pg-boss draining as many no-op jobs with the same queue options (its own
// process, bench/bare-boss.ts); and the job table holding many finished jobs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { systemClock } from '../src/clock.ts';
import type { ServiceContext } from '../src/context.ts';
import { createAppPool } from '../src/db/pool.ts';
import { createLogger } from '../src/logger.ts';
import { Queue } from '../src/queue/index.ts';
import { dispatchBatch } from '../workers/dispatch.ts';
import type { Arrival } from './receiver.ts';
import { collect, cpuSeconds, heraldConfig, heraldEnv, resetStatements, startHerald, statementCounters, type Receivers, type HeraldEnv, type HeraldProcess, type Server } from './cluster.ts';
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
  const services: ServiceContext = { config: heraldConfig(env), pool, queue, logger, clock: systemClock };
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

/** Starts the processes (`worker`s, or one `all`) on the backlog and measures until every delivery arrived. */
export async function drain(
  server: Server, env: HeraldEnv, receivers: Receivers, deliveries: number, roles: Array<'worker' | 'all'>, log: (s: string) => void,
): Promise<DrainResult> {
  await receivers.take();
  await resetStatements(env.databaseUrl);
  const before = await statementCounters(env.databaseUrl);
  const started: HeraldProcess[] = [];
  for (const [i, role] of roles.entries()) started.push(await startHerald(role, env, `drain-${roles.join('-')}-${i}`));
  const pids = () => Object.fromEntries([...started.map((w, i) => [`${w.role} ${i + 1}`, w.child.pid!]), ['receivers', receivers.pid]]);
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
      peakRssMb: Object.fromEntries(started.map((w, i) => [`${w.role} ${i + 1}`, w.peakRssMb()])),
      timeline: perSecond(firsts),
      cpu: Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, Math.round((v - (cpuBefore[k] ?? 0)) * 10) / 10])),
    };
  } finally {
    for (const w of started) await w.stop();
  }
}

export { heraldEnv };

/** Bare pg-boss draining `jobs` no-op jobs with the deliver queue's options (its own process). */
export async function barePgBoss(databaseUrl: string, jobs: number): Promise<{ perSecond: number; seconds: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-boss.ts', import.meta.url)), databaseUrl, String(jobs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bare pg-boss baseline exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/**
 * `count` finished jobs in the deliver queue's table, as a table keeps them when retention is
 * long (Herald deletes a job once its attempt is recorded; other users of the queue, or a past
 * version, may not). Bulk SQL as the owner, then the statistics the dispatcher keeps fresh.
 */
export async function addFinishedJobs(ownerUrl: string, count: number): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    await c.query(
      `insert into pgboss.job (id, name, data, state, created_on, started_on, completed_on, keep_until)
       select gen_random_uuid(), 'deliver', jsonb_build_object('n', n), 'completed', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', now() + interval '1 day'
         from generate_series(1, $1::int) as n`,
      [count],
    );
    await c.query('analyze pgboss.job');
  } finally {
    await c.end();
  }
}
