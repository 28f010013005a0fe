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
import type { Logger } from '../logger.ts';
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
    // only bounds a live but stuck attempt: beyond the longest HERALD_DELIVERY_TIMEOUT (2 min).
    heartbeatSeconds: 10,
    expireInSeconds: 180,
    deleteAfterSeconds: 24 * 3600,
    // Jobs due now wake workers through LISTEN/NOTIFY.
    notify: true,
  },
};

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

export interface WorkOptions {
  /** Attempts in flight at once in this process. */
  concurrency: number;
  /** Attempts to one endpoint in flight at once in this process. */
  endpointConcurrency: number;
}

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
      useListenNotify: worker,
    });
    this.boss.on('error', (err) => logger.warn({ err }, 'job queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
  }

  /** `graceful`: lets running handlers finish first, for at most `timeoutMs`. */
  async stop(options: { graceful: boolean; timeoutMs: number }): Promise<void> {
    await this.boss.stop({ graceful: options.graceful, timeout: options.timeoutMs });
  }

  /** A pg-boss startAfter: the clock instant as a delay from the database's now (seconds). */
  private delayUntil(at: Date): string {
    return String(Math.max(0, (at.getTime() - this.clock.now().getTime()) / 1000));
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
        ...(startAfter ? { startAfter: this.delayUntil(startAfter) as unknown as number } : {}),
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

  /** pg-boss's fetch plan degrades on stale statistics; the owner's function re-ANALYZEs its jobs. */
  async analyze(): Promise<void> {
    await this.pool.query('select analyze_job_queue()');
  }

  /**
   * Works deliver jobs, one attempt per job, `handle` awaited per job. Returns when subscribed.
   * Each job's group is its endpoint; an endpoint at `endpointConcurrency` attempts in this
   * process is skipped at fetch, so a slow one leaves the other slots to everyone else.
   */
  async work(options: WorkOptions, handle: (attempt: DeliverJob) => Promise<void>): Promise<void> {
    await this.boss.work<DeliverJob>(
      DELIVER_QUEUE,
      {
        batchSize: 1, localConcurrency: options.concurrency, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 2,
        localGroupConcurrency: options.endpointConcurrency,
      },
      async ([job]) => {
        try {
          await handle(job.data);
        } finally {
          // With one job per fetch pg-boss would sleep its polling interval after each job, even with
          // a backlog; a worker that just had work fetches again at once (and sleeps when empty).
          this.wake(true);
        }
      },
    );
  }

  /** Stops fetching and waits for the jobs in hand. */
  async stopWork(): Promise<void> {
    await this.boss.offWork(DELIVER_QUEUE, { wait: true });
  }

  /** Wakes this process's deliver workers (`busy`: only those holding a job, once they finish it). */
  wake(busy = false): void {
    for (const w of this.boss.getWipData()) if (w.name === DELIVER_QUEUE && (!busy || w.count > 0)) this.boss.notifyWorker(w.id);
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
