// The benchmark's webhook receivers, in a process of their own (so their CPU is not Herald's):
// a few HTTP servers on loopback that answer 200 at once (or after a delay, for slow endpoints, or
// 500 at a random share of requests, for flaky ones) and note each request's arrival time, the
// latency from the event's created_at and the event's `tag` (a data field some scenarios set).
// Controlled over IPC by bench/receivers.ts: `start` → the ports; `take` → the arrivals so far.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { listenServers } from './child.ts';

export interface Arrival {
  /** The request path: identifies the endpoint. */
  path: string;
  /** webhook-id: the event. */
  id: string;
  /** Unix ms at arrival. */
  at: number;
  /** Milliseconds from the event's created_at to arrival. */
  latencyMs: number;
  attempt: number;
  /** The status answered. */
  status: number;
  /** The event's data.tag, when it has one. */
  tag?: string;
}

/** Per endpoint path (its first segment): answer after `delayMs`; answer 500 to this share of requests. */
export interface Behaviour {
  delayMs?: number;
  failShare?: number;
}

type Command = { type: 'start'; servers: number; behaviours?: Record<string, Behaviour> } | { type: 'take' } | { type: 'stop' };

let arrivals: Arrival[] = [];
let behaviours: Record<string, Behaviour> = {};
const servers: Server[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    // The envelope's created_at is its fifth field; parse only what is needed.
    const created = /"created_at":"([^"]+)"/.exec(body)?.[1];
    const path = req.url ?? '/';
    const behaviour = behaviours[path.split('/')[1] ?? ''] ?? {};
    const status = behaviour.failShare && Math.random() < behaviour.failShare ? 500 : 200;
    const tag = /"tag":"([^"]+)"/.exec(body)?.[1];
    arrivals.push({
      path, id: String(req.headers['webhook-id']), at, latencyMs: created ? at - Date.parse(created) : NaN,
      attempt: Number(req.headers['herald-attempt']), status, ...(tag ? { tag } : {}),
    });
    const delay = behaviour.delayMs ?? 0;
    const answer = () => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    };
    if (delay) setTimeout(answer, delay);
    else answer();
  });
}

process.on('message', async (command: Command) => {
  if (command.type === 'start') {
    behaviours = command.behaviours ?? {};
    const started = await listenServers(command.servers, handle);
    servers.push(...started.servers);
    process.send!({ type: 'started', ports: started.ports });
  } else if (command.type === 'take') {
    const taken = arrivals;
    arrivals = [];
    process.send!({ type: 'taken', arrivals: taken });
  } else if (command.type === 'stop') {
    for (const s of servers) s.closeAllConnections();
    process.exit(0);
  }
});
