// The receivers' helper processes (bench/receiver.ts, bench/soak-receiver.ts): forked with an IPC
// channel; the parent asks by message and waits for the answer's type; the child serves HTTP on
// loopback ports of its own.
import { fork } from 'node:child_process';
import { createServer, type RequestListener, type Server } from 'node:http';

/** A message to the child: its type, and what else it carries. */
export type Command = { type: string } & Record<string, unknown>;

export interface Child {
  pid: number;
  /** Sends `command` and resolves with the first message of type `answer`. */
  ask<T>(command: Command, answer: string): Promise<T>;
  /** Sends `{ type: 'stop' }` and waits for the process to exit. */
  stop(): Promise<void>;
}

export function forkChild(file: string): Child {
  const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    pid: child.pid!,
    ask: <T>(command: Command, answer: string) => new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== answer) return;
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
      child.send(command);
    }),
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
    }),
  };
}

/** In the child: `count` HTTP servers on loopback ports of their own, each answering with `handle`. */
export async function listenServers(count: number, handle: RequestListener): Promise<{ servers: Server[]; ports: number[] }> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer({ keepAliveTimeout: 60_000 }, handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return { servers, ports: servers.map((s) => (s.address() as { port: number }).port) };
}
