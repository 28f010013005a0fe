// The dashboard's request plumbing: pages as data (method, path, the role they need), the session
// cookie, form bodies, the CSRF token and same-origin check on every POST, and the security
// headers. Pages read and write through the same services as the API, with the session's Auth.
import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { ServiceContext } from '../context.ts';
import type { z } from 'zod';
import { badRequest, forbidden, HttpError, payloadTooLarge, unsupportedMediaType } from '../errors.ts';
import { fieldErrors } from '../http/schemas/validate.ts';
import { roleAtLeast, type Role } from '../scope.ts';
import type { Auth } from '../services/credentials.ts';
import { safeEqual } from '../services/credentials.ts';
import type { Session } from '../services/sessions.ts';
import type { Html } from './html.ts';

export const BASE = '/dashboard';
export const FORM_MAX_BYTES = 64 * 1024;

/** What a page handler answers: a page, or a redirect (303, after a POST), with cookies to set. */
export type PageReply =
  | { status?: number; body: Html; headers?: Record<string, string> }
  | { redirect: string };

export interface PageRequest {
  services: ServiceContext;
  ctx: Context;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The POST's form fields (urlencoded); empty for GET. */
  form: URLSearchParams;
  /** Set on every page but the sign-in page. */
  session: Session;
  /** The session's tenant context: what the services are given. */
  auth: Auth;
}

export interface Page {
  method: 'get' | 'post';
  path: string;
  /** The least role that may use it (checked here, before the handler): viewer reads, developer writes… */
  role: Role;
  handle(req: PageRequest): Promise<PageReply>;
}

export const page = (p: Page): Page => p;

/** A page before any session: the sign-in form. */
export interface PublicPage {
  method: 'get' | 'post';
  path: string;
  handle(req: Pick<PageRequest, 'services' | 'ctx' | 'query' | 'form'>): Promise<PageReply>;
}

/** The role check of every page: a 403, whatever the page shows or hides. */
export function requireRole(auth: Auth, role: Role): void {
  if (!roleAtLeast(auth.role, role)) throw forbidden(`this needs the ${role} role or higher; you are ${auth.role}`);
}

// ---------------------------------------------------------------------------------------------
// Cookies: `__Host-` over https (Secure, Path=/, no Domain: the browser pins it to this host).

export const sessionCookieName = (ctx: Context) => (ctx.secure ? '__Host-herald_session' : 'herald_session');
const signInCsrfCookieName = (ctx: Context) => (ctx.secure ? '__Host-herald_sign_in' : 'herald_sign_in');

function setCookie(ctx: Context, name: string, value: string | null, sameSite: 'lax' | 'strict', maxAgeMs?: number): void {
  ctx.cookies.set(name, value, { httpOnly: true, sameSite, secure: ctx.secure, path: '/', overwrite: true, ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) });
}

/** The session cookie: HttpOnly, SameSite=Lax, Secure over https; it lasts as long as the browser session (the server ends it sooner). */
export const setSessionCookie = (ctx: Context, token: string | null) => setCookie(ctx, sessionCookieName(ctx), token, 'lax');
export const sessionToken = (ctx: Context): string | undefined => ctx.cookies.get(sessionCookieName(ctx)) || undefined;

/**
 * The sign-in form has no session yet: its CSRF token is a random value kept in a cookie of its
 * own and signed into the form (HMAC with the JWT secret), so a value planted by a sibling host
 * cannot be matched by the attacker's form.
 */
export function signInCsrf(ctx: Context, services: ServiceContext): string {
  let nonce = ctx.cookies.get(signInCsrfCookieName(ctx));
  if (!nonce || !/^[A-Za-z0-9_-]{20,64}$/.test(nonce)) {
    nonce = randomBytes(24).toString('base64url');
    setCookie(ctx, signInCsrfCookieName(ctx), nonce, 'strict', 60 * 60_000);
  }
  return signNonce(services, nonce);
}

const signNonce = (services: ServiceContext, nonce: string) => createHmac('sha256', services.config.jwtSecret).update(`sign-in:${nonce}`).digest('base64url');

export function checkSignInCsrf(ctx: Context, services: ServiceContext, form: URLSearchParams): void {
  const nonce = ctx.cookies.get(signInCsrfCookieName(ctx));
  const given = form.get('_csrf') ?? '';
  if (!nonce || !given || !safeEqual(given, signNonce(services, nonce))) throw forbidden(CSRF_REFUSED);
}

export const CSRF_REFUSED = 'the form was not sent from this dashboard (missing or wrong _csrf): reload the page and try again';

export function checkSessionCsrf(session: Session, form: URLSearchParams): void {
  const given = form.get('_csrf') ?? '';
  if (!given || !safeEqual(given, session.csrf_token)) throw forbidden(CSRF_REFUSED);
}

/**
 * Every POST must come from this dashboard's own pages: a browser's Sec-Fetch-Site, when sent,
 * must be same-origin, and an Origin, when sent, must be this host's. (A client sending neither is
 * not a browser acting for someone: the CSRF token still applies.)
 */
export function checkSameOrigin(ctx: Context): void {
  const site = ctx.get('sec-fetch-site');
  if (site && site !== 'same-origin') throw forbidden(`cross-site form submission refused (Sec-Fetch-Site: ${site})`);
  const origin = ctx.get('origin');
  if (origin && origin !== ctx.origin) throw forbidden('cross-origin form submission refused (Origin does not match)');
}

/** An urlencoded form body, at most FORM_MAX_BYTES, UTF-8, without NUL characters. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  const length = ctx.get('content-length');
  const chunked = /chunked/i.test(ctx.get('transfer-encoding'));
  if (!chunked && (!length || length === '0')) return new URLSearchParams();
  const type = ctx.get('content-type').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    ctx.req.resume();
    throw unsupportedMediaType('dashboard forms are sent as application/x-www-form-urlencoded');
  }
  if (length && Number(length) > FORM_MAX_BYTES) {
    ctx.req.resume();
    throw payloadTooLarge(`form exceeds ${FORM_MAX_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > FORM_MAX_BYTES) {
      ctx.req.resume();
      throw payloadTooLarge(`form exceeds ${FORM_MAX_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw badRequest('the form is not valid UTF-8');
  }
  const form = new URLSearchParams(text);
  for (const [k, v] of form) if (k.includes('\u0000') || v.includes('\u0000')) throw badRequest('form fields may not contain NUL characters');
  return form;
}

/** Query parameters, refusing NUL characters (Postgres text cannot hold them). */
export function readQuery(ctx: Context): URLSearchParams {
  const query = new URLSearchParams(ctx.querystring);
  for (const [k, v] of query) if (k.includes('\u0000') || v.includes('\u0000')) throw badRequest('query parameters may not contain NUL characters');
  return query;
}

/** Headers of every dashboard answer: a strict CSP (scripts and styles from this origin only), no framing, no caching. */
export function securityHeaders(ctx: Context): void {
  ctx.set('content-security-policy', [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
    "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
  ].join('; '));
  ctx.set('x-frame-options', 'DENY');
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('referrer-policy', 'same-origin');
  ctx.set('cross-origin-opener-policy', 'same-origin');
  ctx.set('cross-origin-resource-policy', 'same-origin');
  ctx.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (ctx.secure) ctx.set('strict-transport-security', 'max-age=31536000');
}

// ---------------------------------------------------------------------------------------------
// Forms → the API's schemas, with their errors shown beside the fields.

/** Field name → message. */
export type FieldErrors = Record<string, string>;

/** The named fields of a form or query that were given and not empty. */
export function fieldsOf(params: URLSearchParams, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value !== null && value.trim() !== '') out[name] = value;
  }
  return out;
}

/** The first error per top-level field (`/url` → `url`; errors without a field under `_`). */
export function errorsByField(errors: Array<{ pointer: string; detail: string }>): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const field = e.pointer.split('/')[1] || '_';
    out[field] ??= e.detail;
  }
  return out;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export function parseForm<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: errorsByField(fieldErrors(result.error)) };
}

/** A service's refusal that names fields (a URL not allowed, a wrong password): its errors, or undefined. */
export function serviceFieldErrors(err: unknown): FieldErrors | undefined {
  if (err instanceof HttpError && (err.status === 400 || err.status === 422 || err.status === 409)) {
    return err.errors?.length ? errorsByField(err.errors) : { _: err.message };
  }
  return undefined;
}
