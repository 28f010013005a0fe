// The guarded outbound HTTP client (undici, HTTP/1.1 only). The address rules of DESIGN §3 are
// applied three times: to the normalised URL (IP literals, localhost names), to every address
// DNS returns (the connection then goes to exactly those addresses), and to the connected
// socket's peer, which also covers IP-literal URLs where Node skips the lookup. Redirects are
// never followed; timeouts bound the connect and the whole exchange; the response body is read
// up to a cap and the connection dropped beyond it.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, buildConnector, request } from 'undici';
import { VERSION } from '../version.ts';
import { checkAddress, checkUrl, isAllowListed, isLocalhostName, missingLoopbackNetworks, type UrlPolicy } from '../net/address.ts';

const USER_AGENT = `Herald-Webhooks/${VERSION}`;

export type ErrorKind =
  | 'address_refused' | 'invalid_url' | 'dns' | 'connection_refused' | 'connection_reset'
  | 'connect_timeout' | 'timeout' | 'tls' | 'network';

export interface HttpResult {
  /** null when no response arrived (see error). */
  statusCode: number | null;
  headers: Record<string, string>;
  /** At most maxBodyBytes of the response body, as text. */
  body: string;
  error: { kind: ErrorKind; message: string } | null;
  durationMs: number;
}

export interface ClientOptions extends UrlPolicy {
  /** Bound on the whole exchange: connect, request, response headers and the body read. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxBodyBytes?: number;
}

export interface GuardedClient {
  post(url: string, headers: Record<string, string>, body: string): Promise<HttpResult>;
  /** Drops every connection, cutting requests still in flight. */
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE = 1024;

/**
 * A refusal by the address rules. Its message names the rule, never an address DNS returned or a
 * socket connected to: attempts are stored and shown to the tenant, and must not answer DNS
 * questions about the operator's networks (DESIGN §3).
 */
class AddressRefusedError extends Error {
  readonly code = 'HERALD_ADDRESS_REFUSED';
}

/** DNS resolution that fails unless every address the name resolves to may be reached. */
export function guardedLookup(policy: UrlPolicy): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      for (const { address } of addresses) {
        const decision = checkAddress(address, policy.allow);
        if (!decision.allowed) return callback(new AddressRefusedError(`${hostname} resolves to a non-public address`));
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}

/** Why a connected peer may not be talked to, or undefined when it may. */
function peerRefusal(address: string | undefined, protocol: string, policy: UrlPolicy): string | undefined {
  if (!address) return 'the connection has no peer address';
  if (!checkAddress(address, policy.allow).allowed) return 'connected to a non-public address';
  if (protocol === 'http:' && policy.production && !isAllowListed(address, policy.allow)) {
    return 'plain http: is only allowed to networks in HERALD_ALLOW_PRIVATE_NETWORKS in production';
  }
  return undefined;
}

/** An undici connector that checks DNS answers and the connected socket's peer address. */
export function guardedConnector(policy: UrlPolicy, connectTimeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ allowH2: false, timeout: connectTimeoutMs, lookup: guardedLookup(policy) });
  return (options, callback) => {
    if (isLocalhostName(options.hostname)) {
      // Loopback by definition: allowed only when the loopback addresses are allow-listed.
      if (missingLoopbackNetworks(policy.allow).length) {
        return callback(new AddressRefusedError(`${options.hostname} is a loopback name, not allowed by HERALD_ALLOW_PRIVATE_NETWORKS`), null);
      }
    }
    connect(options, (err, socket) => {
      if (err) return callback(err, null);
      const refusal = peerRefusal((socket as Socket).remoteAddress, options.protocol, policy);
      if (refusal) {
        socket!.destroy();
        return callback(new AddressRefusedError(refusal), null);
      }
      callback(null, socket!);
    });
  };
}

export function createGuardedClient(options: ClientOptions): GuardedClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const agent = new Agent({
    connect: guardedConnector(options, Math.min(options.connectTimeoutMs ?? 10_000, timeoutMs)),
    allowH2: false,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  // An endpoint's URL is checked at every attempt (its rules are the client's, fixed): parsed once.
  const decisions = new Map<string, ReturnType<typeof checkUrl>>();
  const decide = (url: string) => {
    let decision = decisions.get(url);
    if (!decision) {
      if (decisions.size >= 10_000) decisions.clear();
      decisions.set(url, (decision = checkUrl(url, options)));
    }
    return decision;
  };

  async function post(url: string, headers: Record<string, string>, body: string): Promise<HttpResult> {
    const started = performance.now();
    const done = (partial: Omit<HttpResult, 'durationMs'>): HttpResult => ({ ...partial, durationMs: Math.round(performance.now() - started) });
    const checked = decide(url);
    if (!checked.allowed) {
      const kind = checked.problem === 'invalid' ? 'invalid_url' : 'address_refused';
      return done({ statusCode: null, headers: {}, body: '', error: { kind, message: checked.reason } });
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new TimeoutError(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    try {
      const res = await request(checked.url, {
        method: 'POST', dispatcher: agent, signal: abort.signal, body,
        headers: { 'user-agent': USER_AGENT, 'content-type': 'application/json', ...headers },
      });
      const text = await readCapped(res.body, maxBodyBytes);
      return done({ statusCode: res.statusCode, headers: flattenHeaders(res.headers), body: text, error: null });
    } catch (err) {
      return done({ statusCode: null, headers: {}, body: '', error: describeError(abort.signal.aborted ? abort.signal.reason : err) });
    } finally {
      clearTimeout(timer);
    }
  }

  return { post, close: () => agent.destroy() };
}

class TimeoutError extends Error {}

/**
 * Reads up to `max` bytes; a longer body is cut and its connection dropped. Events rather than
 * `for await`: an async iterator per response costs more than the usual two-byte body.
 */
function readCapped(stream: Readable, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // Postgres text cannot hold NUL; a receiver's binary body is kept as readable as it goes.
    const text = () => Buffer.concat(chunks).subarray(0, max).toString('utf8').replace(/\u0000/g, '\uFFFD');
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(text());
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) {
        finish();
        stream.destroy();
      }
    });
    stream.once('end', () => finish());
    stream.once('error', (err) => finish(err));
    stream.once('close', () => finish(settled ? undefined : new Error('the response ended early')));
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers).slice(0, MAX_HEADERS)) {
    // Postgres text cannot hold NUL, as in the body.
    if (value !== undefined) out[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_HEADER_VALUE).replace(/\u0000/g, '\uFFFD');
  }
  return out;
}

const CODE_KINDS: Record<string, ErrorKind> = {
  HERALD_ADDRESS_REFUSED: 'address_refused',
  ENOTFOUND: 'dns', EAI_AGAIN: 'dns', EAI_FAIL: 'dns', EAI_NODATA: 'dns', EAI_NONAME: 'dns',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset', EPIPE: 'connection_reset', UND_ERR_SOCKET: 'connection_reset', UND_ERR_CLOSED: 'connection_reset',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout', ETIMEDOUT: 'connect_timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout', UND_ERR_BODY_TIMEOUT: 'timeout',
};

/** What a stored attempt says for each kind of network failure: the rule or the event, no address. */
const KIND_MESSAGES: Partial<Record<ErrorKind, string>> = {
  dns: 'the host name did not resolve', connection_refused: 'connection refused', connection_reset: 'connection reset',
  connect_timeout: 'connect timed out',
};

// IPv4 (with a port), and IPv6 forms of two or more groups: node and undici name the peer in their messages.
const ADDRESSES = /(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?|(?<![\w.])\[?[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*(?:%[\w.-]+)?\]?(?::\d+)?/gi;

/**
 * Maps whatever undici, net, tls or dns threw to a kind and a message fit to store and show the
 * tenant: a fixed message per kind where there is one, else the error's with any address removed.
 */
function describeError(err: unknown): { kind: ErrorKind; message: string } {
  if (err instanceof TimeoutError) return { kind: 'timeout', message: err.message };
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string; message?: string }> };
  // With several addresses, net reports an AggregateError of the per-address failures.
  const inner = e?.errors?.find((x) => x?.code) ?? e;
  const code = e?.code && e.code in CODE_KINDS ? e.code : inner?.code;
  const raw = (e?.message || inner?.message || String(err)).slice(0, 500).replace(/\u0000/g, '\uFFFD');
  const message = code === 'HERALD_ADDRESS_REFUSED' ? raw : raw.replace(ADDRESSES, '<address>');
  const kind: ErrorKind = code && CODE_KINDS[code] ? CODE_KINDS[code] : code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(raw) ? 'tls' : 'network';
  const fixed = KIND_MESSAGES[kind];
  return { kind, message: fixed ? `${fixed} (${code})` : message };
}
