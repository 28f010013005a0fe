// The `herald` entry point: role switch, signals, graceful shutdown, and the CLI's commands.
//   herald api | worker | all | migrate | <operator command> | <tenant command> | listen
import type { Server } from 'node:http';
import { runCli } from '../src/cli/main.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { systemClock } from '../src/clock.ts';
import type { ServiceContext } from '../src/context.ts';
import { Queue } from '../src/queue/index.ts';
import { createApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { closeServer, listen, migrateDatabase, openDatabase, prepareDatabase, whenReachable } from '../src/runtime.ts';
import { startMetricsServer, startWorker, type Worker } from './worker.ts';

async function main(argv: string[]): Promise<number> {
  const cli = await runCli(argv);
  if (cli !== undefined) return cli;
  const command = argv[0];

  let config;
  try {
    config = loadConfig(process.env, { migrateOnly: command === 'migrate' });
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
  // meanwhile exits 0).
  let stopRequested = false;
  const stopWhileWaiting = () => void (stopRequested = true);
  process.on('SIGTERM', stopWhileWaiting);
  process.on('SIGINT', stopWhileWaiting);
  const connect = async () => {
    const pool = await prepareDatabase(db, logger, command === 'all' ? 20 : 10);
    // The API only enqueues (retries, replays); a worker also works the queue.
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
  const connected = await whenReachable(logger, connect, () => stopRequested);
  process.off('SIGTERM', stopWhileWaiting);
  process.off('SIGINT', stopWhileWaiting);
  if (!connected) {
    logger.info('stopped before the database was reachable');
    await db.stop();
    return 0;
  }
  const { pool, queue } = connected;
  const services: ServiceContext = { config, pool, queue, clock: systemClock, logger };

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
