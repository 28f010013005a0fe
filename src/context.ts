// The one service context: what every service, route handler and worker stage is given, the same
// way everywhere (first argument). Built once per process (workers/index.ts) or per test.
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Pool } from './db/pool.ts';
import type { Logger } from './logger.ts';
import type { Queue } from './queue/index.ts';

export interface ServiceContext {
  config: Config;
  /** The app pool: herald_app, row-level security on every statement. */
  pool: Pool;
  /** The job queue; every process has one (the API's only enqueues). */
  queue: Queue;
  clock: Clock;
  logger: Logger;
}
