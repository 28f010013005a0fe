// Request-wide middleware: request id, the one log line per request, metrics, the one error
// mapper (everything becomes problem+json), and the JSON body reader with its limits.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { badRequest, databaseUnavailable, HttpError, isDatabaseUnavailable, methodNotAllowed, notFound, payloadTooLarge, unsupportedMediaType } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { httpRequests } from '../metrics.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function problemBody(err: HttpError, instance: string) {
  return {
    type: err.type,
    title: err.title,
    status: err.status,
    detail: err.message,
    instance,
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

/** Maps known database errors that slip past services to client errors, never a 500. */
function fromDatabase(err: { code?: string; message: string; constraint?: string }): HttpError | undefined {
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  switch (err?.code) {
    case '23505': return new HttpError(409, 'Conflict', `duplicate value${err.constraint ? ` (${err.constraint})` : ''}`);
    case '23503': return new HttpError(422, 'Unprocessable Content', 'a referenced resource does not exist');
    case '22P02': case '22003': case '22007': case '22008': case '22021': case '23514':
      return new HttpError(400, 'Bad Request', 'a value is out of range or malformed');
    default: return undefined;
  }
}

export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    let failure: unknown;
    try {
      await next();
      if (ctx.body == null && ctx.status === 404) throw notFound(`no route for ${ctx.method} ${ctx.path}`);
      if (ctx.body == null && ctx.status === 405) throw methodNotAllowed(String(ctx.response.get('allow')).split(/,\s*/));
    } catch (caught) {
      const err = caught instanceof HttpError ? caught : fromDatabase(caught as never) ?? toClientError(caught);
      if (err) {
        ctx.status = err.status;
        for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
        ctx.body = problemBody(err, ctx.path);
      } else {
        failure = caught;
        ctx.status = 500;
        ctx.body = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `see request ${requestId}` };
      }
      ctx.type = 'application/problem+json';
    }
    // Only route templates are labels: a raw path (e.g. of a 405) would carry ids and grow without bound.
    const route = (ctx.state.route as string | undefined) ?? 'unmatched';
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    httpRequests.inc({ route, method: ctx.method, status: String(ctx.status) });
    const line = {
      msg: 'request', request_id: requestId, method: ctx.method, route, path: ctx.path, status: ctx.status,
      duration_ms: Math.round(durationMs * 10) / 10, tenant_id: ctx.state.tenantId ?? null,
    };
    if (failure) logger.error({ ...line, err: failure }, 'request failed');
    else logger.info(line);
  };
}

/** Errors that carry an HTTP client status (e.g. from Koa's own parsing) keep it. */
function toClientError(err: unknown): HttpError | undefined {
  const e = err as { status?: number; expose?: boolean; message?: string };
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, e.status === 413 ? 'Payload Too Large' : 'Bad Request', e.message ?? 'bad request');
  }
  return undefined;
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json$/i;

/**
 * Reads a JSON body for POST/PUT/PATCH/DELETE (DESIGN's `DELETE /tenants/:id/domains {domain}`):
 * 413 over 1 MiB, 400 if malformed. A body of any other type is left unread for the route
 * (`ctx.state.unreadBody` holds its type): a route that takes uploads reads it (readUpload), any
 * other answers 415 (src/http/route.ts).
 */
export async function jsonBody(ctx: Context, next: Next) {
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method)) return next();
  const length = ctx.get('content-length');
  const chunked = /chunked/i.test(ctx.get('transfer-encoding'));
  if (!chunked && (!length || length === '0')) return next();
  const type = ctx.get('content-type').split(';')[0].trim().toLowerCase();
  if (!JSON_TYPE.test(type)) {
    ctx.state.unreadBody = type;
    return next();
  }
  if (length && Number(length) > MAX_BODY_BYTES) throw payloadTooLarge(`request body exceeds ${MAX_BODY_BYTES} bytes`);
  const text = await readText(ctx);
  if (text.trim() === '') return next();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('malformed JSON body');
  }
  const problem = inspectJson(body);
  if (problem?.tooDeep) throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, [{ pointer: problem.pointer, detail: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  if (problem) throw badRequest('strings may not contain NUL (\\u0000) characters', [{ pointer: problem.pointer, detail: 'contains a NUL character' }]);
  ctx.request.body = body;
  ctx.state.rawBody = text;
  return next();
}

/** A body taken as it is: its declared type and its bytes. */
export interface Upload {
  contentType: string;
  bytes: Buffer;
}

/** Reads an unread body of one of `accept.types`, at most `accept.maxBytes` (413 beyond; 415 for another type). */
export async function readUpload(ctx: Context, type: string, accept: { types: string[]; maxBytes: number }): Promise<Upload> {
  if (!accept.types.includes(type)) {
    ctx.req.resume();
    throw unsupportedMediaType(`request bodies must be application/json or one of ${accept.types.join(', ')}`);
  }
  const length = ctx.get('content-length');
  if (length && Number(length) > accept.maxBytes) {
    ctx.req.resume(); // drain, so the 413 reaches the client
    throw payloadTooLarge(`request body exceeds ${accept.maxBytes} bytes`);
  }
  return { contentType: type, bytes: await readBytes(ctx, accept.maxBytes) };
}

export const MAX_JSON_DEPTH = 64;

const pointerPart = (key: string) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * The first problem in a parsed JSON value, or undefined: nesting deeper than MAX_JSON_DEPTH (the
 * top-level value is depth 1), or a NUL character in a string or key (PostgreSQL text and jsonb
 * cannot hold U+0000). Walks with an explicit stack, never recursion, so no depth of nesting can
 * overflow the call stack; everything after (validation, fingerprints) sees at most 64 levels.
 */
export function inspectJson(value: unknown): { pointer: string; tooDeep?: true } | undefined {
  const stack: Array<{ value: unknown; at: string; depth: number }> = [{ value, at: '', depth: 1 }];
  while (stack.length) {
    const { value: here, at, depth } = stack.pop()!;
    if (typeof here === 'string') {
      if (here.includes('\u0000')) return { pointer: at };
    } else if (here && typeof here === 'object') {
      if (depth > MAX_JSON_DEPTH) return { pointer: at, tooDeep: true };
      for (const [k, v] of Object.entries(here)) {
        const next = at + pointerPart(k);
        if (k.includes('\u0000')) return { pointer: next };
        stack.push({ value: v, at: next, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** The same for query parameters, on every method. */
export async function queryGuard(ctx: Context, next: Next) {
  if (ctx.querystring.includes('%00') || ctx.querystring.includes('\u0000')) {
    const name = Object.entries(ctx.query).find(([k, v]) => inspectJson([k, v]) !== undefined)?.[0] ?? '';
    throw badRequest('query parameters may not contain NUL characters', [{ pointer: `/query/${name}`, detail: 'contains a NUL character' }]);
  }
  return next();
}

async function readBytes(ctx: Context, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      ctx.req.unpipe?.();
      ctx.req.resume(); // drain the rest so the 413 reaches the client
      throw payloadTooLarge(`request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readText(ctx: Context): Promise<string> {
  const bytes = await readBytes(ctx, MAX_BODY_BYTES);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('request body is not valid UTF-8');
  }
}

declare module 'koa' {
  interface Request {
    /** The parsed JSON body (set by jsonBody). */
    body?: unknown;
  }
}
