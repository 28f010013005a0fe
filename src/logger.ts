// Structured JSON logs (pino: fast, the de-facto Node JSON logger). One wide line per unit of work.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  // Synchronous writes: nothing is lost when the process exits right after a line.
  return pino({ level, base: { service: 'herald' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
}
