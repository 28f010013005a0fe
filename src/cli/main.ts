// The `herald` CLI's commands (everything but the process roles, which workers/index.ts runs):
// the list and its help, and the dispatch to an operator command (on the database) or a tenant
// command (through the API). Output goes to an `Io`, so tests run commands in-process.
import { loadClientConfig, loadConfig, type Env } from '../config.ts';
import { systemClock } from '../clock.ts';
import type { ServiceContext } from '../context.ts';
import { createLogger } from '../logger.ts';
import { Queue } from '../queue/index.ts';
import { openDatabase, prepareDatabase } from '../runtime.ts';
import { API_COMMANDS, apiClient } from './api.ts';
import { processIo, runCommand, usageLine, type Command, type Io } from './command.ts';
import { LISTEN } from './listen.ts';
import { OPERATOR_COMMANDS } from './operator.ts';

export const ROLES = ['api', 'worker', 'all', 'migrate'];
const TENANT_COMMANDS: Command<any>[] = [...API_COMMANDS, LISTEN];
const lines = (commands: Command<any>[]) => commands.map((c) => `  ${usageLine(c)}`).join('\n');

const USAGE = `usage: herald <command> [--help]
  herald all          API and workers in one process (npm start)
  herald api          the HTTP API on PORT
  herald worker       dispatcher and delivery workers; health and metrics on HERALD_WORKER_PORT
  herald migrate      apply database migrations and exit
operator commands (on the database: they join the running embedded server, or start it; print JSON):
${lines(OPERATOR_COMMANDS)}
tenant commands (through the API at HERALD_URL, default http://localhost:8080, with HERALD_API_KEY; print JSON):
${lines(TENANT_COMMANDS)}
\`herald <command> --help\` explains one.
`;

/** Opens what the operator commands need: the database (embedded or DATABASE_URL) and the services. */
async function openServices(env: Env) {
  const config = loadConfig(env, { quiet: true });
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger);
  const pool = await prepareDatabase(db, logger, 10);
  const queue = new Queue({ databaseUrl: db.runtimeUrl, role: 'producer', pool, clock: systemClock, logger });
  await queue.start();
  const context: ServiceContext = { config, pool, queue, clock: systemClock, logger };
  return {
    context,
    async close() {
      await queue.stop({ graceful: false, timeoutMs: 1_000 });
      await pool.end();
      await db.stop();
    },
  };
}

/**
 * Runs a CLI command and returns its exit code, or undefined when `argv` names a process role
 * (api, worker, all, migrate) for the caller to run.
 */
export async function runCli(argv: string[], env: Env = process.env, io: Io = processIo): Promise<number | undefined> {
  const [command, ...args] = argv;
  if (!command || ['help', '--help', '-h'].includes(command)) {
    const named = [...OPERATOR_COMMANDS, ...TENANT_COMMANDS].find((c) => c.name === args[0]);
    if (named) return runCommand(named, ['--help'], async () => { throw new Error('unreachable'); }, io);
    io.out(USAGE);
    return 0;
  }
  const operator = OPERATOR_COMMANDS.find((c) => c.name === command);
  if (operator) return runCommand(operator, args, () => openServices(env), io);
  const tenant = TENANT_COMMANDS.find((c) => c.name === command);
  if (tenant) return runCommand(tenant, args, async () => ({ context: apiClient(loadClientConfig(env)), close: async () => {} }), io);
  if (!ROLES.includes(command)) {
    io.err(`herald: unknown command ${command} (herald --help lists them)\n`);
    return 2;
  }
  if (args.length) {
    io.err(`herald ${command}: takes no arguments (got ${args.join(' ')})\n`);
    return 2;
  }
  return undefined;
}
