// The `herald` entry point: role switch, signals, graceful shutdown.
//   herald api | worker | all | migrate | <operator subcommand>
import type { Server } from 'node:http';
import { COMMANDS, operatorUsage, runOperatorCommand } from '../src/cli/operator.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { systemClock } from '../src/clock.ts';
import type { ServiceContext } from '../src/context.ts';
import { Queue } from '../src/queue/index.ts';
import { createApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { closeServer, listen, migrateDatabase, openDatabase, prepareDatabase, whenReachable } from '../src/runtime.ts';
import { startMetricsServer, startWorker, type Worker } from './worker.ts';

const USAGE = `usage: herald <command>
  herald all          API and workers in one process (npm start)
  herald api          the HTTP API on PORT
  herald worker       dispatcher and delivery workers; health and metrics on HERALD_WORKER_PORT
  herald migrate      apply database migrations and exit
operator commands (print JSON):
${operatorUsage()}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const roles = ['api', 'worker', 'all', 'migrate'];
  if (!command || !(roles.includes(command) || command in COMMANDS)) {
    process.stderr.write(`${USAGE}\n`);
    return command && !['help', '--help', '-h'].includes(command) ? 2 : 0;
  }

  let config;
  try {
    config = loadConfig(process.env, { quiet: command in COMMANDS, migrateOnly: command === 'migrate' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger);

  if (command === 'migrate') {
    const applied = await migrateDatabase(db);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'migrations already current');
    await db.stop();
    return 0;
  }

  // A long-running role started while the database is unreachable waits for it (a SIGTERM
  // meanwhile exits 0); operator commands fail at once.
  let stopRequested = false;
  const stopWhileWaiting = () => void (stopRequested = true);
  process.on('SIGTERM', stopWhileWaiting);
  process.on('SIGINT', stopWhileWaiting);
  const connect = async () => {
    const pool = await prepareDatabase(db, logger, command === 'all' ? 20 : 10);
    // The API and operator commands only enqueue (retries, replays); a worker also works the queue.
    const queue = new Queue({ databaseUrl: db.runtimeUrl, role: command === 'worker' || command === 'all' ? 'worker' : 'producer', pool, clock: systemClock, logger });
    try {
      await queue.start();
    } catch (err) {
      await queue.stop({ graceful: false, timeoutMs: 1_000 }).catch(() => {});
      await pool.end();
      throw err;
    }
    return { pool, queue };
  };
  const connected = command in COMMANDS ? await connect() : await whenReachable(logger, connect, () => stopRequested);
  process.off('SIGTERM', stopWhileWaiting);
  process.off('SIGINT', stopWhileWaiting);
  if (!connected) {
    logger.info('stopped before the database was reachable');
    await db.stop();
    return 0;
  }
  const { pool, queue } = connected;
  const services: ServiceContext = { config, pool, queue, clock: systemClock, logger };

  if (command in COMMANDS) {
    const code = await runOperatorCommand(services, command, args);
    await queue.stop({ graceful: false, timeoutMs: 1_000 });
    await pool.end();
    await db.stop();
    return code;
  }

  let server: Server | undefined;
  let worker: Worker | undefined;
  if (command === 'api' || command === 'all') {
    server = await listen(createApp(services), config.port);
    logger.info({ port: (server.address() as { port: number }).port }, `API listening on http://localhost:${(server.address() as { port: number }).port}`);
  }
  if (command === 'worker' || command === 'all') {
    worker = await startWorker(services, config.workerPort);
    logger.info({ port: worker.port }, `worker health and metrics on http://localhost:${worker.port}`);
  }
  let metrics: Server | undefined;
  if (config.metricsPort !== undefined) {
    metrics = await startMetricsServer(services, config.metricsPort);
    logger.info({ port: (metrics.address() as { port: number }).port }, `metrics on http://localhost:${(metrics.address() as { port: number }).port}/metrics`);
  }
  if (config.generatedSecrets) {
    process.stdout.write(`\nHerald development admin token (kept in ${config.dataDir}/secrets.json):\n  ${config.adminToken}\n\n`);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      // npm forwards the terminal's signal and sends its own: the second one must not force an exit.
      if (stopping) return logger.info({ signal }, 'already shutting down');
      stopping = true;
      logger.info({ signal }, 'shutting down');
      try {
        await Promise.all([server && closeServer(server), worker?.stop(), metrics && closeServer(metrics, 1_000)]);
        await queue.stop({ graceful: true, timeoutMs: 5_000 });
        await pool.end();
        await db.stop();
        logger.info('stopped');
        resolve(0);
      } catch (err) {
        logger.error({ err }, 'unclean shutdown');
        resolve(1);
      }
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`herald: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
