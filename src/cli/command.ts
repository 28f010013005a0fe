// The `herald` CLI's commands as data: name, arguments, flags, what they do. One parser
// (node:util parseArgs, strict) gives every command `--help`, and turns a missing or bad argument
// or flag into a one-line error with exit code 2; an error answered by Herald is one line too
// (exit 2 when Herald found the input malformed, 1 otherwise). Results print as JSON on stdout.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { HttpError } from '../errors.ts';

export interface Flag {
  /** What the value is, for the help: `URL`, `SECONDS`; a boolean flag has none. */
  value?: string;
  description: string;
  required?: boolean;
  /** A flag holding a whole number (checked before anything runs). */
  integer?: boolean;
}

/** A flag taking a value, described for --help. */
export const flag = (value: string, description: string, required = false): Flag => ({ value, description, required });

export interface Parsed {
  args: string[];
  flags: Record<string, string | boolean | undefined>;
}

/** Where a command writes: stdout (results) and stderr (errors, progress). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

export interface Command<C = unknown> {
  name: string;
  summary: string;
  /** Positional arguments, all required, named for the help: `ENDPOINT_ID`. */
  args?: string[];
  flags?: Record<string, Flag>;
  /** More lines for `--help`. */
  details?: string;
  run(context: C, input: Parsed, io: Io): Promise<unknown>;
}

/** A mistake in how the command was called: one line, exit code 2. */
export class UsageError extends Error {}

const PARSE_ERRORS: Record<string, (message: string) => string> = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: (m) => `unknown flag ${/'([^']+)'/.exec(m)?.[1] ?? ''}`.trim(),
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: (m) => m.replace(/^Option '(-\w, )?([^' ]+)[^']*'/, '$2').split('. ')[0],
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: (m) => `unexpected argument ${/'([^']+)'/.exec(m)?.[1] ?? ''}`.trim(),
};

export function parse(command: Command<any>, argv: string[]): Parsed | 'help' {
  const flags = command.flags ?? {};
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.value ? 'string' as const : 'boolean' as const }])),
      },
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (PARSE_ERRORS[code]) throw new UsageError(PARSE_ERRORS[code]((err as Error).message));
    throw err;
  }
  if (parsed.values.help) return 'help';
  const expected = command.args ?? [];
  if (parsed.positionals.length < expected.length) throw new UsageError(`missing ${expected.slice(parsed.positionals.length).join(' ')}`);
  if (parsed.positionals.length > expected.length) throw new UsageError(`unexpected argument ${parsed.positionals[expected.length]}`);
  for (const [name, flag] of Object.entries(flags)) {
    const value = (parsed.values as Record<string, unknown>)[name];
    if (flag.required && value === undefined) throw new UsageError(`missing --${name} ${flag.value ?? ''}`.trim());
    if (flag.integer && value !== undefined && !/^\d{1,15}$/.test(String(value))) throw new UsageError(`--${name} must be a whole number`);
  }
  return { args: parsed.positionals, flags: parsed.values as Parsed['flags'] };
}

export function usageLine(command: Command<any>): string {
  const flags = Object.entries(command.flags ?? {}).map(([name, f]) => {
    const text = `--${name}${f.value ? ` ${f.value}` : ''}`;
    return f.required ? text : `[${text}]`;
  });
  return ['herald', command.name, ...(command.args ?? []), ...flags].join(' ');
}

export function help(command: Command<any>): string {
  const flags = Object.entries(command.flags ?? {}).map(([name, f]) => {
    const left = `--${name}${f.value ? ` ${f.value}` : ''}`;
    return `  ${left.padEnd(26)} ${f.description}${f.required ? ' (required)' : ''}`;
  });
  return [`usage: ${usageLine(command)}`, '', command.summary + '.', ...(command.details ? ['', command.details] : []), ...(flags.length ? ['', 'flags:', ...flags] : []), '']
    .join('\n');
}

/** The one line an error becomes, and the exit code: 2 for a bad invocation or input Herald refused as malformed. */
export function describeError(command: Command<any>, err: unknown): { line: string; code: number } | undefined {
  if (err instanceof UsageError) return { line: `herald ${command.name}: ${err.message} (herald ${command.name} --help)`, code: 2 };
  if (err instanceof ConfigError) return { line: `herald ${command.name}: ${err.problems.join('; ')}`, code: 78 };
  if (err instanceof HttpError) {
    const fields = (err.errors ?? []).map((e) => `${fieldName(command, e.pointer)}: ${e.detail}`).join('; ');
    return { line: `herald ${command.name}: ${err.status} ${fields || err.message}`, code: err.status === 400 ? 2 : 1 };
  }
  return undefined;
}

/** `/overlap_seconds` → `--overlap-seconds` when the command has that flag; other pointers stay. */
function fieldName(command: Command<any>, pointer: string): string {
  const flag = pointer.replace(/^\//, '').replace(/_/g, '-');
  return command.flags && flag in command.flags ? `--${flag}` : pointer;
}

/**
 * Runs one command: checks its arguments first (so `--help` and a mistake cost no database or
 * network), then opens its context, prints its result as JSON, or one line of error. Returns the
 * exit code.
 */
export async function runCommand<C>(
  command: Command<C>, argv: string[], open: () => Promise<{ context: C; close(): Promise<void> }>, io: Io = processIo,
): Promise<number> {
  let opened: { context: C; close(): Promise<void> } | undefined;
  try {
    const input = parse(command, argv);
    if (input === 'help') {
      io.out(help(command));
      return 0;
    }
    opened = await open();
    const result = await command.run(opened.context, input, io);
    if (result !== undefined) io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    const described = describeError(command, err);
    if (!described) throw err;
    io.err(`${described.line}\n`);
    return described.code;
  } finally {
    await opened?.close();
  }
}
