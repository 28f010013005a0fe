// The deliver worker: one pg-boss job per attempt. Load (transaction) → sign and POST through
// the guarded client (no transaction held) → classify → record the attempt and what comes next
// (transaction). pg-boss heartbeats the job while the request runs, so a killed worker's job is
// redone within seconds; a redone job whose attempt is already on record does nothing.
import type { PgBoss } from 'pg-boss';
import type { Config } from '../src/config.ts';
import { classify } from '../src/delivery/classify.ts';
import { createGuardedClient } from '../src/delivery/client.ts';
import { DELIVER_QUEUE, type DeliverJob } from '../src/delivery/queues.ts';
import { sign } from '../src/delivery/sign.ts';
import type { Pool } from '../src/db/pool.ts';
import type { Logger } from '../src/logger.ts';
import { attemptDuration, deliveryAttempts } from '../src/metrics.ts';
import { prepareAttempt, recordAttempt } from '../src/services/deliveries.ts';
import { eventEnvelope } from '../src/services/events.ts';

export interface DelivererDeps {
  config: Config;
  pool: Pool;
  boss: PgBoss;
  logger: Logger;
}

export interface DelivererOptions {
  /** Attempts in flight at once in this process. */
  concurrency?: number;
  /** Bound on one request (connect, send, response, body). */
  timeoutMs?: number;
}

export interface Deliverer {
  /** Takes no new jobs and lets attempts in flight finish, for at most graceMs. */
  stop(graceMs: number): Promise<void>;
}

/** Scheduled retries due sooner than this get an in-process wake-up; later ones the backstop poll finds. */
const WAKE_WITHIN_MS = 10 * 60_000;

export async function startDeliverer(deps: DelivererDeps, options: DelivererOptions = {}): Promise<Deliverer> {
  const { config, pool, boss, logger } = deps;
  const client = createGuardedClient({
    allow: config.allowPrivateNetworks, production: config.production, timeoutMs: options.timeoutMs ?? config.deliveryTimeoutMs,
  });
  const wakeTimers = new Set<NodeJS.Timeout>();

  /** Wakes this process's deliver workers (`busy`: only those holding a job, once they finish it). */
  function wake(busy: boolean): void {
    for (const worker of boss.getWipData()) if (worker.name === DELIVER_QUEUE && (!busy || worker.count > 0)) boss.notifyWorker(worker.id);
  }

  /** pg-boss wakes workers for jobs due now (NOTIFY); retries due later are ours to wake for. */
  function wakeAt(at: Date): void {
    const delay = at.getTime() - Date.now();
    if (delay > WAKE_WITHIN_MS) return;
    const timer = setTimeout(() => {
      wakeTimers.delete(timer);
      wake(false);
    }, Math.max(0, delay));
    wakeTimers.add(timer);
  }

  async function attempt(job: DeliverJob): Promise<void> {
    const prepared = await prepareAttempt(pool, config.encryptionKey, job);
    if (!prepared) return;
    const { event, endpoint } = prepared;
    const startedAt = new Date();
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    const body = JSON.stringify(eventEnvelope(event));
    const result = await client.post(endpoint.url, {
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(prepared.secrets, event.id, timestamp, body),
      'herald-tenant-id': event.tenant_id,
      'herald-event-type': event.type,
      'herald-attempt': String(job.attempt),
    }, body);
    const classified = classify(result, job.attempt, { scheduleMs: config.retryScheduleMs, now: Date.now() });
    const outcome = await recordAttempt(pool, boss, job, {
      endpointId: endpoint.id, startedAt, result, outcome: classified, disableAfterMs: config.disableAfterMs,
    });
    if (!outcome) return;
    deliveryAttempts.inc({ outcome: outcome.kind });
    attemptDuration.observe({ outcome: outcome.kind }, result.durationMs / 1000);
    logger.info({
      msg: 'delivery.attempted', tenant_id: job.tenant_id, mode: job.mode, delivery_id: job.delivery_id, event_id: event.id,
      endpoint_id: endpoint.id, attempt: job.attempt, outcome: outcome.kind, status_code: result.statusCode,
      duration_ms: result.durationMs, ...('reason' in outcome ? { reason: outcome.reason } : {}),
      ...(outcome.kind === 'retry' ? { next_attempt_at: outcome.at.toISOString() } : {}),
    });
    if (outcome.kind === 'retry') wakeAt(outcome.at);
  }

  await boss.work<DeliverJob>(
    DELIVER_QUEUE,
    {
      batchSize: 1, localConcurrency: options.concurrency ?? 10, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 2,
      // Fairness: each job's group is its endpoint, and an endpoint at this many attempts in this
      // process is skipped at fetch, so a slow one leaves the other slots to everyone else.
      localGroupConcurrency: config.endpointConcurrency,
    },
    async ([job]) => {
      try {
        await attempt(job.data);
      } finally {
        // With one job per fetch pg-boss would sleep its polling interval after each job, even with
        // a backlog; a worker that just had work fetches again at once instead (and sleeps when empty).
        wake(true);
      }
    },
  );

  return {
    async stop(graceMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([boss.offWork(DELIVER_QUEUE, { wait: true }), deadline]);
      clearTimeout(timer);
      for (const t of wakeTimers) clearTimeout(t);
      await client.close();
    },
  };
}
