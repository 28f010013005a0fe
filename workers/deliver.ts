// The deliver worker: one queue job per attempt, through the stages of src/delivery/stages.ts:
// load (transaction) → send (no transaction held) → record (transaction). The queue heartbeats
// the job while the request runs, so a killed worker's job is redone within seconds; a redone
// job whose attempt is already on record does nothing.
import type { ServiceContext } from '../src/context.ts';
import { createGuardedClient } from '../src/delivery/client.ts';
import { loadAttempt, recordAttempt, sendAttempt } from '../src/delivery/stages.ts';
import { attemptDuration, deliveryAttempts } from '../src/metrics.ts';
import type { DeliverJob } from '../src/queue/index.ts';

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

export async function startDeliverer(services: ServiceContext, options: DelivererOptions = {}): Promise<Deliverer> {
  const { config, queue, logger, clock } = services;
  const client = createGuardedClient({
    allow: config.allowPrivateNetworks, production: config.production, timeoutMs: options.timeoutMs ?? config.deliveryTimeoutMs,
  });
  const wakeTimers = new Set<NodeJS.Timeout>();

  /** The queue wakes workers for jobs due now (NOTIFY); retries due later are ours to wake for. */
  function wakeAt(at: Date): void {
    const delay = at.getTime() - clock.now().getTime();
    if (delay > WAKE_WITHIN_MS) return;
    const timer = setTimeout(() => {
      wakeTimers.delete(timer);
      queue.wake();
    }, Math.max(0, delay));
    wakeTimers.add(timer);
  }

  async function attempt(job: DeliverJob): Promise<void> {
    const loaded = await loadAttempt(services, job);
    if (!loaded) return;
    const sent = await sendAttempt(services, client, loaded);
    const outcome = await recordAttempt(services, job, loaded.endpoint.id, sent);
    if (!outcome) return;
    const { result } = sent;
    deliveryAttempts.inc({ outcome: outcome.kind });
    attemptDuration.observe({ outcome: outcome.kind }, result.durationMs / 1000);
    logger.info({
      msg: 'delivery.attempted', tenant_id: job.tenant_id, mode: job.mode, delivery_id: job.delivery_id, event_id: loaded.event.id,
      endpoint_id: loaded.endpoint.id, attempt: job.attempt, outcome: outcome.kind, status_code: result.statusCode,
      duration_ms: result.durationMs, ...('reason' in outcome ? { reason: outcome.reason } : {}),
      ...(outcome.kind === 'retry' ? { next_attempt_at: outcome.at.toISOString() } : {}),
    });
    if (outcome.kind === 'retry') wakeAt(outcome.at);
  }

  await queue.work({ concurrency: options.concurrency ?? 10, endpointConcurrency: config.endpointConcurrency }, attempt);

  return {
    async stop(graceMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([queue.stopWork(), deadline]);
      clearTimeout(timer);
      for (const t of wakeTimers) clearTimeout(t);
      await client.close();
    },
  };
}
