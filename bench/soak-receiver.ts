// The soak's webhook receivers, in a process of their own: HTTP servers on loopback whose
// endpoints misbehave by the last segment of their path:
//   ok     answers 200 at once
//   slow   answers 200 after 0.2–1.5 s
//   flaky  answers 500 or 503 (25 %), hangs past Herald's timeout (15 %), resets the connection
//          (15 %), or answers 200, sometimes slowly (45 %)
//   gone   answers 410 Gone (Herald disables the endpoint)
// Every request is checked against its endpoint's signing secret (the `standardwebhooks` library)
// and noted. Controlled over IPC by bench/soak.ts: `start` → ports; `secrets` (path → secret);
// `take` → the arrivals so far; `stop`.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { listenServers } from './child.ts';
import { Webhook } from 'standardwebhooks';

export interface SoakArrival {
  /** The endpoint's path: /T<tenant>/<mode>/e<n>/<behaviour>. */
  path: string;
  /** webhook-id: the event. */
  id: string;
  headerTenant: string;
  bodyTenant: string;
  bodyMode: string;
  validSignature: boolean;
}

type Command = { type: 'start'; servers: number } | { type: 'secrets'; secrets: Record<string, string> } | { type: 'take' } | { type: 'stop' };

let arrivals: SoakArrival[] = [];
let secrets: Record<string, string> = {};
const servers: Server[] = [];

function verify(path: string, body: string, headers: IncomingMessage['headers']): boolean {
  const secret = secrets[path];
  if (!secret) return false;
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '/';
    const body = Buffer.concat(chunks).toString('utf8');
    let parsed: { tenant_id?: string; mode?: string } = {};
    try {
      parsed = JSON.parse(body);
    } catch {
      // noted as it came
    }
    arrivals.push({
      path, id: String(req.headers['webhook-id']), headerTenant: String(req.headers['herald-tenant-id']),
      bodyTenant: String(parsed.tenant_id), bodyMode: String(parsed.mode), validSignature: verify(path, body, req.headers),
    });
    const answer = (status: number) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'not now');
    };
    const behaviour = path.split('/').pop();
    const roll = Math.random();
    if (behaviour === 'gone') return answer(410);
    if (behaviour === 'slow') return void setTimeout(() => answer(200), 200 + Math.random() * 1300);
    if (behaviour === 'flaky') {
      if (roll < 0.25) return answer(roll < 0.125 ? 500 : 503);
      if (roll < 0.4) return void setTimeout(() => res.destroy(), 30_000); // hangs past the timeout
      if (roll < 0.55) return void req.socket.destroy(); // connection reset
      if (roll < 0.7) return void setTimeout(() => answer(200), 500 + Math.random() * 1000);
    }
    answer(200);
  });
}

process.on('message', async (command: Command) => {
  if (command.type === 'start') {
    const started = await listenServers(command.servers, handle);
    servers.push(...started.servers);
    process.send!({ type: 'started', ports: started.ports });
  } else if (command.type === 'secrets') {
    secrets = { ...secrets, ...command.secrets };
    process.send!({ type: 'noted' });
  } else if (command.type === 'take') {
    const taken = arrivals;
    arrivals = [];
    process.send!({ type: 'taken', arrivals: taken });
  } else if (command.type === 'stop') {
    for (const s of servers) s.closeAllConnections();
    process.exit(0);
  }
});
