// pg-boss queues Herald uses, created by `herald migrate` as the schema owner, and the runtime
// pg-boss client, which connects as herald_app and never migrates.
import { createHash } from 'node:crypto';
import { PgBoss, type Queue } from 'pg-boss';
import { APP_ROLE, type Pool, type Tx } from '../db/pool.ts';
import type { Mode } from '../db/tenant.ts';
import type { Logger } from '../logger.ts';

type QueueOptions = Omit<Queue, 'name'>;

export const DELIVER_QUEUE = 'deliver';
/** Job states in which an attempt will still be made. */
const LIVE_STATES = ['created', 'retry', 'active'];

export const QUEUES: Record<string, QueueOptions> = {
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

/** Deterministic per (delivery, attempt), so scheduling the same attempt twice inserts one job. */
export function jobId(deliveryId: string, attempt: number): string {
  const h = createHash('sha256').update(`herald:deliver:${deliveryId}:${attempt}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5 layout (name-based)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** pg-boss statements run inside the caller's transaction, committing with its rows. */
export const inTransaction = (tx: Tx) => ({ executeSql: (text: string, values?: unknown[]) => tx.query(text, values) });

/** An attempt to put on the queue: its job, and the endpoint it goes to, whose pg-boss group it joins. */
export type EndpointAttempt = DeliverJob & { endpointId: string };

/**
 * Enqueues attempts inside `tx`; an attempt already enqueued is left as it is. Each job's group is
 * its endpoint, which the deliver worker limits to HERALD_ENDPOINT_CONCURRENCY attempts at once.
 */
export async function enqueueAttempts(boss: PgBoss, tx: Tx, jobs: Array<EndpointAttempt & { startAfter?: Date }>): Promise<void> {
  if (!jobs.length) return;
  await boss.insert(
    DELIVER_QUEUE,
    jobs.map(({ startAfter, endpointId, ...data }) => ({
      id: jobId(data.delivery_id, data.attempt), data, group: { id: endpointId }, ...(startAfter ? { startAfter } : {}),
    })),
    { db: inTransaction(tx) },
  );
}

/**
 * Moves an attempt still waiting for its time to now (an attempt already running is left alone).
 * A delay of 0 s is the database's now, which makes pg-boss NOTIFY the workers; a client-side
 * `new Date()` is later than the transaction's now() and would leave the job to the next poll.
 */
export async function bringForward(boss: PgBoss, tx: Tx, deliveryId: string, attempt: number): Promise<void> {
  await boss.update(DELIVER_QUEUE, undefined, { id: jobId(deliveryId, attempt), startAfter: 0, db: inTransaction(tx) });
}

/**
 * Puts an attempt on the queue, due now, under its deterministic id: a job of it that ended (pg-boss
 * gave up on it, or it ran and found its delivery cancelled) is replaced, a missing one inserted.
 * Returns false, changing nothing, when the attempt still has a live job (queued, retrying or running).
 */
export async function queueAttemptNow(boss: PgBoss, tx: Tx, job: EndpointAttempt): Promise<boolean> {
  const id = jobId(job.delivery_id, job.attempt);
  const db = inTransaction(tx);
  const [existing] = await boss.findJobs(DELIVER_QUEUE, { id, db });
  if (existing && LIVE_STATES.includes(existing.state)) return false;
  if (existing) await boss.deleteJob(DELIVER_QUEUE, id, { db });
  await enqueueAttempts(boss, tx, [job]);
  return true;
}

/**
 * Running attempts whose worker stopped heartbeating (it was killed), put back on the queue due
 * now. pg-boss fails such jobs itself, but only in its monitor pass, which also recounts the whole
 * job table and so cannot run every few seconds, and then retries them after a backoff. This is the
 * same rule (heartbeat older than heartbeatSeconds) on the few running jobs, through pg-boss's own
 * fail (the job's retry count goes up) and update (due now, with a NOTIFY). Returns their attempts.
 */
export async function reclaimStalledJobs(boss: PgBoss, tx: Tx): Promise<DeliverJob[]> {
  const { rows } = await tx.query(
    `select id::text, data from pgboss.job
      where name = $1 and state = 'active' and heartbeat_on + heartbeat_seconds * interval '1 second' < now()
      limit 100 for update skip locked`,
    [DELIVER_QUEUE],
  );
  if (!rows.length) return [];
  const ids: string[] = rows.map((r) => r.id);
  const db = inTransaction(tx);
  await boss.fail(DELIVER_QUEUE, ids, { message: 'the worker stopped heartbeating' }, { db });
  for (const id of ids) await boss.update(DELIVER_QUEUE, undefined, { id, startAfter: 0, db });
  return rows.map((r) => r.data);
}

/** Those of these attempts that have no live job (queued, retrying or running). */
export async function withoutLiveJob<T extends { delivery_id: string; attempt: number }>(pool: Pool, attempts: T[]): Promise<T[]> {
  if (!attempts.length) return [];
  const { rows } = await pool.query(
    `select id::text from pgboss.job where name = $1 and id = any($2::uuid[]) and state::text = any($3::text[])`,
    [DELIVER_QUEUE, attempts.map((a) => jobId(a.delivery_id, a.attempt)), LIVE_STATES],
  );
  const live = new Set(rows.map((r) => r.id));
  return attempts.filter((a) => !live.has(jobId(a.delivery_id, a.attempt)));
}

/** Deliver jobs due now and not yet started, and how long (seconds) the longest-waiting one has been due. */
export async function deliverBacklog(pool: Pool): Promise<{ depth: number; waited: number }> {
  const { rows } = await pool.query(
    `select count(*)::int as depth, coalesce(extract(epoch from now() - min(start_after)), 0)::float8 as waited from pgboss.job
      where name = $1 and state < 'active' and not blocked and start_after <= now()`,
    [DELIVER_QUEUE],
  );
  return rows[0];
}

/** pg-boss's fetch plan degrades on stale statistics; the owner's function re-ANALYZEs its jobs. */
export async function analyzeJobQueue(pool: Pool): Promise<void> {
  await pool.query('select analyze_job_queue()');
}

/**
 * The runtime client. `producer` only enqueues (the API); `worker` also works the queue,
 * supervises (heartbeat expiry every few seconds) and listens for new-job notifications.
 */
export function createBoss(databaseUrl: string, role: 'producer' | 'worker', logger: Logger): PgBoss {
  const worker = role === 'worker';
  const boss = new PgBoss({
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
  boss.on('error', (err) => logger.warn({ err }, 'job queue error'));
  return boss;
}
