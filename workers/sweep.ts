// The sweeper: closes the gaps jobs leave. A delivery's next attempt is a pg-boss job
// committed with it, and pg-boss retries a job whose handler threw; but if the database stays
// unreachable through all of those retries, the job ends `failed` while the delivery still waits
// for it. Every so often the sweeper looks for deliveries whose attempt is long overdue and has
// no live job, and puts that attempt back on the queue under its deterministic job id, so
// several sweepers (one per worker process) and a job that revives meanwhile cannot double it.
// Every second it also puts back the attempts of a killed worker, once their heartbeat is stale,
// and releases unordered flows a race left with parked deliveries and room (services/flows.ts).
import type { ServiceContext } from '../src/context.ts';
import { overdueDeliveries, type OverdueDelivery } from '../src/db/crossTenant.ts';
import { transaction } from '../src/db/tenant.ts';
import { requeueOverdue } from '../src/delivery/stages.ts';
import { deliveriesRequeued } from '../src/metrics.ts';
import { releaseStalledFlows } from '../src/services/flows.ts';
import { every } from './loop.ts';

export interface SweepOptions {
  /** An attempt counts as lost once due this long without a live job. */
  overdueMs?: number;
  /** Between sweeps. */
  intervalMs?: number;
}

/** Far beyond a job's normal wait for a worker, and beyond pg-boss's own retries (about 30 s). */
const OVERDUE_MS = 2 * 60_000;
const INTERVAL_MS = 30_000;
const PAGE = 500;
/** A killed worker's jobs go stale 10 s (heartbeatSeconds) after their last heartbeat; looking every second redoes them then. */
const RECLAIM_INTERVAL_MS = 1_000;

/** Puts the running attempts of workers that stopped heartbeating back on the queue, due now; returns how many. */
export async function reclaimStalled({ pool, queue, logger }: ServiceContext): Promise<number> {
  const jobs = await transaction(pool, (tx) => queue.reclaimStalled(tx));
  for (const job of jobs) {
    logger.warn({ msg: 'delivery.reclaimed', tenant_id: job.tenant_id, mode: job.mode, delivery_id: job.delivery_id, attempt: job.attempt });
  }
  return jobs.length;
}

/** One sweep over every overdue delivery; returns how many attempts it put back on the queue. */
export async function sweepOverdue(services: ServiceContext, overdueMs = OVERDUE_MS): Promise<number> {
  const { pool, queue, logger, clock } = services;
  const dueBefore = new Date(clock.now().getTime() - overdueMs);
  let requeued = 0;
  let after: OverdueDelivery | undefined;
  for (;;) {
    const page = await overdueDeliveries(pool, dueBefore, after, PAGE);
    for (const d of await queue.withoutLiveJob(page)) {
      const job = { tenant_id: d.tenant_id, mode: d.mode, delivery_id: d.delivery_id, attempt: d.attempt };
      if (!(await requeueOverdue(services, job))) continue;
      requeued++;
      deliveriesRequeued.inc();
      logger.warn({ msg: 'delivery.requeued', tenant_id: d.tenant_id, mode: d.mode, delivery_id: d.delivery_id, attempt: d.attempt,
        due_at: d.next_attempt_at.toISOString() });
    }
    if (page.length < PAGE) return requeued;
    after = page[page.length - 1];
  }
}

export interface Sweeper {
  /** Stops sweeping and waits for the sweep in flight. */
  stop(): Promise<void>;
}

export function startSweeper(services: ServiceContext, options: SweepOptions = {}): Sweeper {
  const loops = [
    every(services.logger, options.intervalMs ?? INTERVAL_MS, 'sweep for overdue deliveries', () => sweepOverdue(services, options.overdueMs)),
    every(services.logger, RECLAIM_INTERVAL_MS, 'reclaiming stalled attempts', () => reclaimStalled(services)),
    every(services.logger, RECLAIM_INTERVAL_MS, 'releasing stalled flows', () => releaseStalledFlows(services)),
  ];
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
