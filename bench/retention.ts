// Scenario: retention under load (issue 13). Steady delivery runs twice against a running Herald
// (an API and a worker): once alone (the baseline), once while a 1,000,000-row history older than
// HERALD_EVENT_RETENTION is pruned (250,000 events, each with one delivered delivery and two
// attempts, arranged with bulk SQL as the owner in a tenant of its own). Reports the webhooks'
// latency (event commit → attempt answered, read from the database) at p50 and p99 in both runs,
// how long the pruning took, and whether any statement ever waited on a lock the pruner held
// (sampled every 50 ms from pg_stat_activity and pg_blocking_pids).
//
// The pruning is the worker's own retention loop and this function's calls of the same purge
// (src/services/retention.ts), whichever holds the purge's advisory lock for each batch.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import type { ServiceContext } from '../src/context.ts';
import { createOwnerPool } from '../src/db/pool.ts';
import { idFloor, newId, type IdKind } from '../src/ids.ts';

/**
 * An id made at `t` (ms) in the past. newId keeps ids monotonic within a process, so after ids of
 * the present it would give present-day ids: the time part comes from `t`, the random part from
 * newId.
 */
const pastId = (kind: IdKind, t: number) => idFloor(kind, new Date(t)).slice(0, -16) + newId(kind).slice(-16);
import { createLogger } from '../src/logger.ts';
import { purgeExpired } from '../src/services/retention.ts';
import { createTenants, eventClient, type BenchTenant } from './setup.ts';

export interface PruneUnderLoadOptions {
  /** The owner's login of the database Herald runs on (to arrange the history and read the results). */
  ownerDatabaseUrl: string;
  apiUrl: string;
  adminToken: string;
  receiverPorts: number[];
  log: (line: string) => void;
}

export interface PruneUnderLoadResult {
  baseline: { p50Ms: number; p99Ms: number };
  pruning: { p50Ms: number; p99Ms: number; rowsRemoved: number; seconds: number };
  blockedInserts: boolean;
}

const HISTORY_EVENTS = 250_000;
/** Events per second of the steady load (each goes to two endpoints). */
const RATE = 100;
const BASELINE_SECONDS = 20;
const CHUNK = 10_000;
const DAY = 86_400_000;

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Emits RATE events a second, round-robin over the tenants, until `until()` says stop; returns their ids. */
async function steady(client: ReturnType<typeof eventClient>, tenants: BenchTenant[], until: () => boolean): Promise<string[]> {
  const ids: string[] = [];
  const pending: Array<Promise<void>> = [];
  const started = Date.now();
  for (let n = 0; !until(); n++) {
    const due = started + (n * 1000) / RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const tenant = tenants[n % tenants.length];
    pending.push(client.emit(tenant.key, 'bench.steady', { n }).then((e) => void ids.push(e.id)));
    if (pending.length > 200) await Promise.all(pending.splice(0, 100));
  }
  await Promise.all(pending);
  return ids;
}

/** Waits until every delivery of these events is delivered; returns the webhooks' latencies (ms), sorted. */
async function latencies(owner: pg.Pool, eventIds: string[], endpointsEach: number): Promise<number[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { rows } = await owner.query(
      `select extract(epoch from (a.started_at + a.duration_ms * interval '1 millisecond') - e.created_at) * 1000 as ms
         from events e join deliveries d on d.tenant_id = e.tenant_id and d.event_id = e.id
         join delivery_attempts a on a.tenant_id = d.tenant_id and a.delivery_id = d.id and a.number = 1
        where e.id = any($1::text[]) and d.status = 'delivered'`, [eventIds]);
    if (rows.length >= eventIds.length * endpointsEach) return rows.map((r) => Number(r.ms)).sort((x, y) => x - y);
    if (Date.now() > deadline) throw new Error(`only ${rows.length} of ${eventIds.length * endpointsEach} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** 250,000 events of `tenant`, each with a delivered delivery to `endpointId` and two attempts, 40 days old. */
async function arrangeHistory(owner: pg.Pool, tenant: BenchTenant, log: (line: string) => void): Promise<number> {
  const start = Date.now() - 40 * DAY;
  for (let done = 0; done < HISTORY_EVENTS; done += CHUNK) {
    const n = Math.min(CHUNK, HISTORY_EVENTS - done);
    const at = Array.from({ length: n }, (_, i) => start + (done + i) * 10);
    const events = at.map((t) => pastId('event', t));
    const deliveries = at.map((t) => pastId('delivery', t));
    const attempts = at.flatMap((t) => [pastId('attempt', t + 1), pastId('attempt', t + 2)]);
    const client = await owner.connect();
    try {
      await client.query('begin');
      await client.query(`select set_config('app.tenant_id', $1, true), set_config('app.mode', 'live', true)`, [tenant.id]);
      await client.query(
        `insert into events (tenant_id, id, mode, type, data, created_at)
         select $1::uuid, e.id, 'live', 'bench.history', '{"note":"an old event"}', e.at
           from unnest($2::text[], $3::timestamptz[]) as e (id, at)`, [tenant.id, events, at.map((t) => new Date(t))]);
      await client.query(
        `insert into deliveries (tenant_id, mode, id, endpoint_id, event_id, event_type, status, attempt_count, last_attempt_at, created_at, updated_at)
         select $1::uuid, 'live', d.id, $2, d.event_id, 'bench.history', 'delivered', 2, d.at, d.at, d.at
           from unnest($3::text[], $4::text[], $5::timestamptz[]) as d (id, event_id, at)`,
        [tenant.id, tenant.endpoints[0], deliveries, events, at.map((t) => new Date(t))]);
      await client.query(
        `insert into delivery_attempts (tenant_id, mode, id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, response_body)
         select $1::uuid, 'live', a.id, a.delivery_id, $2, a.number, a.at, 12, case a.number when 1 then 500 else 200 end, 'ok'
           from unnest($3::text[], $4::text[], $5::int[], $6::timestamptz[]) as a (id, delivery_id, number, at)`,
        [tenant.id, tenant.endpoints[0], attempts, deliveries.flatMap((d) => [d, d]), attempts.map((_, i) => (i % 2) + 1),
          at.flatMap((t) => [new Date(t + 1), new Date(t + 2)])]);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback');
      throw err;
    } finally {
      client.release();
    }
    if ((done / CHUNK) % 5 === 0) log(`    arranging the history: ${(done + n) * 4}/${HISTORY_EVENTS * 4} rows`);
  }
  await owner.query('analyze events; analyze deliveries; analyze delivery_attempts');
  return HISTORY_EVENTS * 4;
}

async function historyRows(owner: pg.Pool, tenantId: string): Promise<number> {
  const { rows } = await owner.query(
    `select (select count(*) from events where tenant_id = $1) + (select count(*) from deliveries where tenant_id = $1)
          + (select count(*) from delivery_attempts where tenant_id = $1) as n`, [tenantId]);
  return Number(rows[0].n);
}

export async function pruneUnderLoad(opts: PruneUnderLoadOptions): Promise<PruneUnderLoadResult> {
  const { log } = opts;
  const owner = createOwnerPool(opts.ownerDatabaseUrl, 6);
  const client = eventClient(opts.apiUrl, 16);
  try {
    const tenants = await createTenants(opts.apiUrl, opts.adminToken, opts.receiverPorts, 4, 2);
    const [history] = await createTenants(opts.apiUrl, opts.adminToken, opts.receiverPorts, 1, 1);

    log(`  baseline: ${RATE} events/s to 2 endpoints each for ${BASELINE_SECONDS} s`);
    let stopAt = Date.now() + BASELINE_SECONDS * 1000;
    const baselineIds = await steady(client, tenants, () => Date.now() > stopAt);
    const baseline = await latencies(owner, baselineIds, 2);

    const arranged = await arrangeHistory(owner, history, log);
    log(`  pruning ${arranged} rows older than the retention while the same load runs`);

    // The worker prunes on its own every minute; this process calls the same purge meanwhile.
    const services = {
      config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', HERALD_ADMIN_TOKEN: randomBytes(16).toString('hex'),
        HERALD_JWT_SECRET: randomBytes(32).toString('hex'), HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
      pool: owner, clock: systemClock, logger: createLogger('silent'),
    } as unknown as ServiceContext;
    let blocked = 0;
    let waits = 0;
    let pruned = false;
    const sampler = (async () => {
      while (!pruned) {
        const { rows } = await owner.query(
          `select count(*) filter (where exists (select 1 from pg_stat_activity b where b.pid = any (pg_blocking_pids(w.pid))
                                                   and (b.query ilike '%prune_expired_events%' or b.query ilike '%purge\\_%')))::int as blocked,
                  count(*)::int as waits
             from pg_stat_activity w where w.wait_event_type = 'Lock' and w.datname = current_database()`);
        blocked += rows[0].blocked;
        waits += rows[0].waits;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const started = Date.now();
    const pruner = (async () => {
      while ((await historyRows(owner, history.id)) > 0) {
        const removed = await purgeExpired(services, { pace: true });
        // The worker's own loop may have taken this turn; a pass that never removes anything is a bug here.
        if (Object.values(removed).every((n) => !n) && Date.now() - started > 600_000) throw new Error('the history is not being pruned');
      }
      pruned = true;
    })();
    stopAt = Date.now() + BASELINE_SECONDS * 1000;
    const pruningIds = await steady(client, tenants, () => pruned && Date.now() > stopAt);
    await pruner;
    const seconds = (Date.now() - started) / 1000;
    await sampler;
    const during = await latencies(owner, pruningIds, 2);
    log(`  ${waits} lock waits sampled in the database while pruning, ${blocked} of them on the pruner`);
    return {
      baseline: { p50Ms: percentile(baseline, 0.5), p99Ms: percentile(baseline, 0.99) },
      pruning: { p50Ms: percentile(during, 0.5), p99Ms: percentile(during, 0.99), rowsRemoved: arranged - (await historyRows(owner, history.id)), seconds },
      blockedInserts: blocked > 0,
    };
  } finally {
    await client.close();
    await owner.end();
  }
}
