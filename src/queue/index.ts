// The job queue: the one module that knows pg-boss. It owns the queue's options, the job ids,
// the runtime client, the queue's installation, and every statement on pg-boss's own tables.
// Callers see attempts (delivery id + attempt number), never pg-boss jobs.
//
// Statements here that read pgboss.job across tenants (listed in src/db/crossTenant.ts):
// reclaimStalled, withoutLiveJob, backlog, analyze. They read job ids and their data (tenant id,
// delivery id, attempt number), never payloads: a job carries no tenant data.
import { createHash } from 'node:crypto';
import { PgBoss, type Queue as QueueOptionsFull } from 'pg-boss';
import type { Clock } from '../clock.ts';
import { APP_ROLE, type Pool, type Tx } from '../db/pool.ts';
import { logFailure, type Logger } from '../logger.ts';
import type { Mode } from '../scope.ts';

type QueueOptions = Omit<QueueOptionsFull, 'name'>;

const DELIVER_QUEUE = 'deliver';
/** Job states in which an attempt will still be made. */
const LIVE_STATES = ['created', 'retry', 'active'];

const QUEUES: Record<string, QueueOptions> = {
  [DELIVER_QUEUE]: {
    // Delivery retries are Herald's own (a new job per attempt, on HERALD_RETRY_SCHEDULE). pg-boss
    // retries only a job whose worker died (heartbeat lost) or whose handler threw (database trouble).
    retryLimit: 5, retryDelay: 1, retryBackoff: true,
    // A killed worker's job comes back after 10 s without a heartbeat instead of the expiry, which
    // only bounds a live but stuck claim: a claim waits in its endpoint's line at most a minute
    // (workers/deliver.ts), then its request takes at most HERALD_DELIVERY_TIMEOUT (2 min at most).
    heartbeatSeconds: 10,
    expireInSeconds: 300,
    deleteAfterSeconds: 24 * 3600,
    // Jobs due now wake workers through LISTEN/NOTIFY.
    notify: true,
  },
};

/** The deliver queue's options, for the benchmark's bare pg-boss baseline (same options, no Herald). */
export const DELIVER_QUEUE_OPTIONS: QueueOptions = QUEUES[DELIVER_QUEUE];

/** One delivery attempt to make. */
export interface DeliverJob {
  tenant_id: string;
  mode: Mode;
  delivery_id: string;
  /** 1-based attempt number this job makes. */
  attempt: number;
}

/** An attempt to put on the queue, and the endpoint it goes to (its pg-boss group). */
export type EndpointAttempt = DeliverJob & { endpointId: string };

/** An attempt this worker has claimed: the claim (job id and its retry count) fences every settle. */
export type HeldAttempt = EndpointAttempt & { claim: { id: string; retryCount: number } };

/** pg-boss NOTIFYs here when it inserts jobs due now (its notifyChannelSql for schema `pgboss`). */
const NOTIFY_CHANNEL = `pgboss_${createHash('sha224').update('pgboss').digest('hex').slice(0, 24)}`;

/** Deterministic per (delivery, attempt), so scheduling the same attempt twice inserts one job. */
export function jobId(deliveryId: string, attempt: number): string {
  const h = createHash('sha256').update(`herald:deliver:${deliveryId}:${attempt}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5 layout (name-based)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** pg-boss statements run inside the caller's transaction, committing with its rows. */
const inTransaction = (tx: Tx) => ({ executeSql: (text: string, values?: unknown[]) => tx.query(text, values) });

export interface QueueSetup {
  databaseUrl: string;
  /** `producer` only enqueues (the API); `worker` also works the queue and supervises it. */
  role: 'producer' | 'worker';
  /** The app pool (herald_app), for the statements on pg-boss's tables. */
  pool: Pool;
  clock: Clock;
  logger: Logger;
}

export class Queue {
  private readonly boss: PgBoss;
  private readonly pool: Pool;
  private readonly clock: Clock;

  constructor({ databaseUrl, role, pool, clock, logger }: QueueSetup) {
    const worker = role === 'worker';
    this.pool = pool;
    this.clock = clock;
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      options: `-c role=${APP_ROLE}`,
      application_name: `herald-${role}`,
      max: worker ? 14 : 4,
      migrate: false,
      createSchema: false,
      schedule: false,
      supervise: worker,
      superviseIntervalSeconds: 5,
      monitorIntervalSeconds: 5,
      maintenanceIntervalSeconds: 600,
      reindex: false,
      // Workers LISTEN themselves (Queue.listen): pg-boss's own listener serves only its work() loops.
      useListenNotify: false,
    });
    this.boss.on('error', (err) => logFailure(logger, err, 'job queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
  }

  /** `graceful`: lets running handlers finish first, for at most `timeoutMs`. */
  async stop(options: { graceful: boolean; timeoutMs: number }): Promise<void> {
    await this.boss.stop({ graceful: options.graceful, timeout: options.timeoutMs });
  }

  /** A clock instant in real time, as pg-boss schedules by the database's clock (the offset of a test's clock removed). */
  private realTime(at: Date): Date {
    return new Date(at.getTime() - (this.clock.now().getTime() - Date.now()));
  }

  /**
   * Enqueues attempts inside `tx`; an attempt already enqueued is left as it is. Each job's group
   * is its endpoint, which the deliver worker limits to HERALD_ENDPOINT_CONCURRENCY at once.
   */
  async enqueueAttempts(tx: Tx, attempts: Array<EndpointAttempt & { startAfter?: Date }>): Promise<void> {
    if (!attempts.length) return;
    await this.boss.insert(
      DELIVER_QUEUE,
      attempts.map(({ startAfter, endpointId, ...data }) => ({
        id: jobId(data.delivery_id, data.attempt), data, group: { id: endpointId },
        ...(startAfter ? { startAfter: this.realTime(startAfter) } : {}),
      })),
      { db: inTransaction(tx) },
    );
  }

  /**
   * Moves an attempt still waiting for its time to now (an attempt already running is left alone).
   * A delay of 0 s is the database's now, which makes pg-boss NOTIFY the workers; a client-side
   * `new Date()` is later than the transaction's now() and would leave the job to the next poll.
   */
  async bringForward(tx: Tx, deliveryId: string, attempt: number): Promise<void> {
    await this.boss.update(DELIVER_QUEUE, undefined, { id: jobId(deliveryId, attempt), startAfter: 0, db: inTransaction(tx) });
  }

  /**
   * Puts an attempt on the queue, due now, under its deterministic id: a job of it that ended
   * (pg-boss gave up on it, or it ran and found its delivery cancelled) is replaced, a missing one
   * inserted. False, changing nothing, when the attempt still has a live job.
   */
  async queueAttemptNow(tx: Tx, attempt: EndpointAttempt): Promise<boolean> {
    const id = jobId(attempt.delivery_id, attempt.attempt);
    const db = inTransaction(tx);
    const [existing] = await this.boss.findJobs(DELIVER_QUEUE, { id, db });
    if (existing && LIVE_STATES.includes(existing.state)) return false;
    if (existing) await this.boss.deleteJob(DELIVER_QUEUE, id, { db });
    await this.enqueueAttempts(tx, [attempt]);
    return true;
  }

  /**
   * Running attempts whose worker stopped heartbeating (it was killed), put back on the queue due
   * now. pg-boss fails such jobs itself, but only in its monitor pass, which also recounts the
   * whole job table and so cannot run every few seconds, and then retries them after a backoff.
   * This is the same rule (heartbeat older than heartbeatSeconds) on the few running jobs,
   * through pg-boss's own fail (the retry count goes up) and update (due now, with a NOTIFY).
   */
  async reclaimStalled(tx: Tx): Promise<DeliverJob[]> {
    const { rows } = await tx.query(
      `select id::text, data from pgboss.job
        where name = $1 and state = 'active' and heartbeat_on + heartbeat_seconds * interval '1 second' < now()
        limit 100 for update skip locked`,
      [DELIVER_QUEUE],
    );
    if (!rows.length) return [];
    const ids: string[] = rows.map((r) => r.id);
    const db = inTransaction(tx);
    await this.boss.fail(DELIVER_QUEUE, ids, { message: 'the worker stopped heartbeating' }, { db });
    for (const id of ids) await this.boss.update(DELIVER_QUEUE, undefined, { id, startAfter: 0, db });
    return rows.map((r) => r.data);
  }

  /** Those of these attempts that have no live job (queued, retrying or running). */
  async withoutLiveJob<T extends { delivery_id: string; attempt: number }>(attempts: T[]): Promise<T[]> {
    if (!attempts.length) return [];
    const { rows } = await this.pool.query(
      'select id::text from pgboss.job where name = $1 and id = any($2::uuid[]) and state::text = any($3::text[])',
      [DELIVER_QUEUE, attempts.map((a) => jobId(a.delivery_id, a.attempt)), LIVE_STATES],
    );
    const live = new Set(rows.map((r) => r.id));
    return attempts.filter((a) => !live.has(jobId(a.delivery_id, a.attempt)));
  }

  /** Attempts due now and not yet started, and how long (seconds) the longest-waiting one has been due. */
  async backlog(): Promise<{ depth: number; waited: number }> {
    const { rows } = await this.pool.query(
      `select count(*)::int as depth, coalesce(extract(epoch from now() - min(start_after)), 0)::float8 as waited from pgboss.job
        where name = $1 and state < 'active' and not blocked and start_after <= now()`,
      [DELIVER_QUEUE],
    );
    return rows[0];
  }

  /**
   * Refreshes the planner's statistics of the job table and of the delivery tables beside it
   * (the owner's function: only it may ANALYZE): on stale statistics pg-boss's fetch and the
   * delivery statements scan instead of looking up by key.
   */
  async analyze(): Promise<void> {
    await this.pool.query('select refresh_delivery_statistics()');
  }

  /**
   * Claims up to `limit` attempts due now, oldest first, skipping the endpoints in
   * `ignoreEndpoints` (their pg-boss group), inside `tx` (so a rolled-back load leaves them queued).
   * A claim lasts while it is touched (heartbeat) and at most the queue's expiry.
   */
  async fetch(tx: Tx, limit: number, ignoreEndpoints: string[]): Promise<HeldAttempt[]> {
    const jobs = await this.boss.fetch<DeliverJob>(DELIVER_QUEUE, {
      batchSize: limit, ignoreGroups: ignoreEndpoints.length ? ignoreEndpoints : null, db: inTransaction(tx),
    });
    return jobs.map((j) => ({ ...j.data, endpointId: j.groupId ?? '', claim: { id: j.id, retryCount: j.retryCount } }));
  }

  /** Heartbeats the claims still held; returns the job ids whose claim lapsed (another worker may have them now). */
  async touch(held: HeldAttempt[]): Promise<Set<string>> {
    if (!held.length) return new Set();
    // pg-boss declares the answer as an empty interface; `settled` lists the claims it touched.
    const result = (await this.boss.touch(DELIVER_QUEUE, held.map((h) => h.claim))) as unknown as { settled?: string[] };
    const kept = new Set(result.settled ?? []);
    return new Set(held.map((h) => h.claim.id).filter((id) => !kept.has(id)));
  }

  /**
   * Ends these claims as done, inside `tx` (with the attempts' records). A lapsed claim is left
   * alone. The jobs are deleted rather than kept as completed: Herald's own tables record the
   * attempt, and a job row left behind costs an index-wide update now and a retention delete later.
   */
  async complete(tx: Tx, held: HeldAttempt[]): Promise<void> {
    if (!held.length) return;
    await this.boss.deleteJob(DELIVER_QUEUE, held.map((h) => h.claim), { db: inTransaction(tx) });
  }

  /**
   * Gives claims back unstarted (a worker shutting down, or attempts that waited too long in
   * memory): queued again, due now, without counting as a retry — pg-boss's own restore, which it
   * does not export.
   */
  async release(held: HeldAttempt[]): Promise<void> {
    if (!held.length) return;
    await this.pool.query(
      `update pgboss.job set state = 'created', started_on = null, heartbeat_on = null
        where name = $1 and id = any($2::uuid[]) and state = 'active'
          and (id::text || ':' || retry_count::text) = any($3::text[])`,
      [DELIVER_QUEUE, held.map((h) => h.claim.id), held.map((h) => `${h.claim.id}:${h.claim.retryCount}`)],
    );
  }

  /**
   * Puts claims back on the queue for later, without counting a retry (in `db`'s transaction when
   * it is one): an endpoint
   * paused by a 429 or 503 until then. `until` is a clock instant.
   */
  async defer(db: Pool | Tx, deferred: Array<{ held: HeldAttempt; until: Date }>): Promise<void> {
    if (!deferred.length) return;
    await db.query(
      `update pgboss.job j set state = 'created', started_on = null, heartbeat_on = null, start_after = d.until
         from unnest($2::uuid[], $3::int[], $4::timestamptz[]) as d (id, retry_count, until)
        where j.name = $1 and j.id = d.id and j.state = 'active' and j.retry_count = d.retry_count`,
      [DELIVER_QUEUE, deferred.map((d) => d.held.claim.id), deferred.map((d) => d.held.claim.retryCount), deferred.map((d) => this.realTime(d.until))],
    );
  }

  /**
   * Calls `onReady` whenever attempts become due now anywhere (pg-boss NOTIFYs on its channel when
   * it inserts a job due now), over a connection of its own that reconnects by itself.
   */
  listen(onReady: () => void, logger: Logger): { close(): void } {
    let client: Tx | undefined;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const connect = async () => {
      if (closed) return;
      try {
        const c = await this.pool.connect();
        if (closed) return c.release(true);
        c.on('notification', () => onReady());
        c.on('error', (err) => {
          logFailure(logger, err, 'job queue listener lost; reconnecting');
          c.release(err);
          if (client === c) client = undefined;
          timer = setTimeout(() => void connect(), 1_000);
        });
        await c.query(`listen "${NOTIFY_CHANNEL}"`);
        client = c;
        onReady(); // anything that became due while not listening
      } catch (err) {
        logFailure(logger, err, 'job queue listener failed to connect; retrying');
        timer = setTimeout(() => void connect(), 1_000);
      }
    };
    void connect();
    return {
      close() {
        closed = true;
        clearTimeout(timer);
        // The connection carries LISTEN state; drop it rather than return it to the pool.
        client?.release(true);
        client = undefined;
      },
    };
  }
}

/**
 * Installs pg-boss's schema and Herald's queues as the owner (`herald migrate`), then grants
 * herald_app what the runtime client needs. Safe to run again: options are brought up to date.
 */
export async function installQueues(ownerUrl: string, owner: Tx): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, max: 2, supervise: false, schedule: false, migrate: true, createSchema: true });
  boss.on('error', () => {});
  await boss.start();
  try {
    for (const [name, options] of Object.entries(QUEUES)) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name, options);
      else await boss.updateQueue(name, options);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  await owner.query(`grant usage on schema pgboss to herald_app;
    grant select, insert, update, delete on all tables in schema pgboss to herald_app;
    grant usage, select on all sequences in schema pgboss to herald_app;
    grant execute on all functions in schema pgboss to herald_app;
    alter default privileges in schema pgboss grant select, insert, update, delete on tables to herald_app;
    alter default privileges in schema pgboss grant usage, select on sequences to herald_app;
    alter default privileges in schema pgboss grant execute on functions to herald_app;`);
}
