// `herald listen`: a webhook receiver on this machine for development. It verifies each webhook
// as a receiver should (the signature over id.timestamp.body, with the endpoint's whsec_ secret
// or whpk_ public key, and a timestamp within five minutes), answers 200 to a verified one and
// 400 otherwise, and prints each: a line on stderr, the event as JSON on stdout.
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifySignature } from '../delivery/sign.ts';
import type { ApiClient } from './api.ts';
import { UsageError, type Command } from './command.ts';

const TOLERANCE_SECONDS = 300;

export interface Verdict {
  ok: boolean;
  /** Why it was refused, or the scheme that verified it. */
  reason: string;
}

/** Checks one webhook's headers and body with a `whsec_` secret or a `whpk_` public key. */
export function checkWebhook(headers: IncomingMessage['headers'], body: string, key: string, nowSeconds: number): Verdict {
  const [id, timestamp, signature] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => headers[h]);
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  }
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) {
    return { ok: false, reason: `webhook-timestamp ${timestamp} is more than ${TOLERANCE_SECONDS} s from now` };
  }
  const scheme = verifySignature(signature, key, id, timestamp, body);
  return scheme ? { ok: true, reason: `${scheme} signature verified` } : { ok: false, reason: 'no signature verifies with this key' };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Listens on every address of `host` (localhost: 127.0.0.1 and ::1, so either resolution of it reaches us). */
async function listenOn(server: () => Server, host: string, port: number): Promise<{ servers: Server[]; port: number }> {
  const addresses = [...new Set((await lookup(host, { all: true })).map((a) => a.address))];
  const servers: Server[] = [];
  for (const address of addresses) {
    const s = server();
    const bound = await new Promise<boolean>((resolve, reject) => {
      s.once('error', (err: NodeJS.ErrnoException) => (servers.length && err.code === 'EADDRNOTAVAIL' ? resolve(false) : reject(err)));
      s.listen(servers.length ? (servers[0].address() as { port: number }).port : port, address, () => resolve(true));
    });
    if (bound) servers.push(s);
  }
  return { servers, port: (servers[0].address() as { port: number }).port };
}

export const LISTEN: Command<ApiClient> = {
  name: 'listen',
  summary: 'Run a local webhook receiver that verifies each webhook and prints it',
  details: [
    'Give the endpoint (its secret or public key is read with HERALD_API_KEY), or the key itself.',
    'Each verified webhook is answered 200 and printed as JSON on stdout (one per line with --json);',
    'one line per webhook on stderr says what arrived and whether it verified. Ctrl-C stops it.',
    'Herald must be allowed to reach this machine: HERALD_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8,::1/128.',
  ].join('\n'),
  flags: {
    port: { value: 'PORT', description: 'Port to listen on (default 4000)', integer: true },
    host: { value: 'HOST', description: 'Address or name to listen on (default localhost)' },
    endpoint: { value: 'ENDPOINT_ID', description: 'Verify with this endpoint\'s secret or public key' },
    secret: { value: 'KEY', description: 'Verify with this whsec_ secret or whpk_ public key' },
    json: { description: 'Print each event as one line of JSON' },
  },
  async run(api, { flags }, io) {
    if (!flags.endpoint === !flags.secret) throw new UsageError('give --endpoint ENDPOINT_ID or --secret whsec_…|whpk_… (one of them)');
    const keyOf = async () => {
      if (typeof flags.secret === 'string') return flags.secret;
      const answer = await api.request('GET', `/v1/webhook-endpoints/${encodeURIComponent(String(flags.endpoint))}/secret`);
      return (answer.secret ?? answer.public_key) as string;
    };
    let key = await keyOf();
    if (!/^(whsec|whpk)_/.test(key)) throw new UsageError('--secret must be a whsec_ secret or a whpk_ public key');
    const handle = () => createServer(async (req, res) => {
      const body = await readBody(req);
      let verdict = checkWebhook(req.headers, body, key, Math.floor(Date.now() / 1000));
      if (!verdict.ok && flags.endpoint) {
        // The endpoint's key may have been rotated since: read it again once.
        key = await keyOf().catch(() => key);
        verdict = checkWebhook(req.headers, body, key, Math.floor(Date.now() / 1000));
      }
      const { 'webhook-id': id = '-', 'herald-event-type': type = '-', 'herald-attempt': attempt = '-' } = req.headers as Record<string, string>;
      io.err(`${verdict.ok ? '✔' : '✘'} ${new Date().toISOString()} ${req.method} ${req.url} ${type} ${id} attempt ${attempt}: ${verdict.reason}\n`);
      res.writeHead(verdict.ok ? 200 : 400, { 'content-type': 'text/plain' }).end(verdict.ok ? 'ok\n' : `${verdict.reason}\n`);
      if (verdict.ok) {
        let event: unknown = body;
        try {
          event = JSON.parse(body);
        } catch {
          // printed as it came
        }
        io.out(`${flags.json ? JSON.stringify(event) : JSON.stringify(event, null, 2)}\n`);
      }
    });
    const host = typeof flags.host === 'string' ? flags.host : 'localhost';
    const { servers, port } = await listenOn(handle, host, flags.port === undefined ? 4000 : Number(flags.port));
    io.err(`listening on http://${host.includes(':') ? `[${host}]` : host}:${port}/ (any path); verifying with ${key.startsWith('whpk_') ? 'the v1a public key' : 'the v1 secret'}${flags.endpoint ? ` of ${flags.endpoint}` : ''}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        for (const s of servers) s.closeAllConnections();
        Promise.all(servers.map((s) => new Promise((r) => s.close(r)))).then(() => resolve());
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return undefined;
  },
};
