// The retention loop, in every worker process: every minute, one round of every purge
// (src/services/retention.ts), each removing what is past its time in small paced batches until
// nothing is left. Several workers at once are safe: a purge another worker runs meanwhile makes
// this one's batch come back empty (an advisory lock), so each row is removed by one of them.
import type { ServiceContext } from '../src/context.ts';
import { logFailure } from '../src/logger.ts';
import { retentionRemoved } from '../src/metrics.ts';
import { purgeExpired } from '../src/services/retention.ts';

/** Between rounds: what is past its time waits at most this long (plus the round) to go. */
const INTERVAL_MS = 60_000;

export interface Retention {
  /** Stops the rounds; waits for the batch in flight. */
  stop(): Promise<void>;
}

export function startRetention(services: ServiceContext, options: { intervalMs?: number } = {}): Retention {
  let stopping = false;
  let current: Promise<unknown> | undefined;
  const round = async () => {
    const removed = await purgeExpired(services, { pace: true, stopping: () => stopping });
    for (const [kind, n] of Object.entries(removed)) if (n) retentionRemoved.inc({ kind }, n);
    if (Object.values(removed).some((n) => n > 0)) services.logger.info({ msg: 'retention', removed });
  };
  const timer = setInterval(() => {
    if (current) return; // the previous round is still running
    current = round()
      .catch((err) => logFailure(services.logger, err, 'retention failed; the next round retries'))
      .finally(() => { current = undefined; });
  }, options.intervalMs ?? INTERVAL_MS);
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await current;
    },
  };
}
