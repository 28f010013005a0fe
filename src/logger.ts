// Structured JSON logs (pino: fast, the de-facto Node JSON logger). One wide line per unit of work.
import { pino, type Logger } from 'pino';
import { isDatabaseUnavailable } from './errors.ts';

export type { Logger };

export function createLogger(level: string): Logger {
  // Synchronous writes: nothing is lost when the process exits right after a line.
  return pino({ level, base: { service: 'herald' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
}

const QUIET_MS = 60_000;
const quietUntil = new WeakMap<Logger, Map<string, number>>();

/**
 * Logs a failed round of background work (a claim, a dispatch, a sweep), which its loop retries.
 * While the database is unreachable every loop fails the same way each time it tries: that is
 * logged as one warning line per loop and minute (`<what>: the database is unavailable`), the
 * rest at debug; any other failure is logged in full, every time.
 */
export function logFailure(logger: Logger, err: unknown, what: string): void {
  if (!isDatabaseUnavailable(err)) {
    logger.error({ err }, what);
    return;
  }
  let quiet = quietUntil.get(logger);
  if (!quiet) quietUntil.set(logger, (quiet = new Map()));
  const now = Date.now();
  const reason = err instanceof Error ? err.message : String(err);
  if ((quiet.get(what) ?? 0) > now) {
    logger.debug({ reason }, `${what}: the database is unavailable`);
    return;
  }
  quiet.set(what, now + QUIET_MS);
  logger.warn({ reason }, `${what}: the database is unavailable; retrying (logged once a minute while it lasts)`);
}
