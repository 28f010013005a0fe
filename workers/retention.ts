// The retention loop, in every worker process: every minute, one round of every purge
// (src/services/retention.ts), each removing what is past its time in small paced batches until
// nothing is left. Several workers at once are safe: a purge another worker runs meanwhile makes
// this one's batch come back empty (an advisory lock), so each row is removed by one of them.
import type { ServiceContext } from '../src/context.ts';
import { retentionRemoved } from '../src/metrics.ts';
import { purgeExpired } from '../src/services/retention.ts';
import { every, type Loop } from './loop.ts';

/** Between rounds: what is past its time waits at most this long (plus the round) to go. */
const INTERVAL_MS = 60_000;

export type Retention = Loop;

export function startRetention(services: ServiceContext, options: { intervalMs?: number } = {}): Retention {
  const loop: Retention = every(services.logger, options.intervalMs ?? INTERVAL_MS, 'retention', async () => {
    const removed = await purgeExpired(services, { pace: true, stopping: () => loop.stopping });
    for (const [kind, n] of Object.entries(removed)) if (n) retentionRemoved.inc({ kind }, n);
    if (Object.values(removed).some((n) => n > 0)) services.logger.info({ msg: 'retention', removed });
  });
  return loop;
}
