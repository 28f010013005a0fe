// The worker's periodic loops (sweeper, housekeeping, dashboard rollups, retention): a round every
// so often, a turn skipped while the previous round still runs, a failed round logged (an outage
// once a minute) and retried by the next one, and a stop that waits for the round in flight.
import type { Logger } from '../src/logger.ts';
import { logFailure } from '../src/logger.ts';

export interface Loop {
  /** Stops the rounds and waits for the one in flight. */
  stop(): Promise<void>;
  /** Whether stop() was called: a long round checks it between batches. */
  readonly stopping: boolean;
}

export function every(logger: Logger, ms: number, what: string, round: () => Promise<unknown>): Loop {
  let current: Promise<unknown> | undefined;
  let stopping = false;
  const timer = setInterval(() => {
    if (current) return;
    current = round()
      .catch((err) => logFailure(logger, err, `${what} failed; the next round retries`))
      .finally(() => { current = undefined; });
  }, ms);
  return {
    get stopping() {
      return stopping;
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      await current;
    },
  };
}
