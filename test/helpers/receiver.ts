// A real local webhook receiver: an HTTP server on loopback that records every request and
// answers from a script (status, headers, body, delay, or hold until released).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** When the answer was written (unset while held or delayed): how long the request was open here. */
  answeredAt?: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this long (for timeouts). */
  delayMs?: number;
  /** Answer only once this settles (a request held mid-delivery). */
  hold?: Promise<unknown>;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Replies to the next requests, in order; afterwards every request gets 200. */
  script(...replies: Reply[]): void;
  /** Waits until at least `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(options: { host?: string; port?: number } = {}): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const received: Received[] = [];
  let replies: Reply[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry: Received = { path: req.url ?? '/', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
    received.push(entry);
    const reply = replies.shift() ?? {};
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.hold) await reply.hold;
    if (res.destroyed) return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', ...reply.headers });
    res.end(reply.body ?? 'ok');
    entry.answeredAt = Date.now();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, host, () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    received,
    script: (...next) => void (replies = next),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver: expected ${count} requests, got ${received.length} in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Verifies a received webhook with the public `standardwebhooks` library; returns its payload. */
export function verifyWebhook(secret: string, request: Received): any {
  return new Webhook(secret).verify(request.body, request.headers);
}

/** Receivers started by one test file, closed together in its `after.always`. */
export function receiverPool() {
  const started: Receiver[] = [];
  return {
    async start(options?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
      const r = await startReceiver(options);
      started.push(r);
      return r;
    },
    closeAll: () => Promise.all(started.map((r) => r.close())),
  };
}
