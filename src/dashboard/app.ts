// The dashboard at /dashboard, in the API process (DESIGN §4 "dashboard"): server-rendered pages
// over the same services as the API, with the session's tenant context. Mounted by
// src/http/app.ts before the API's body reader; everything under /dashboard is answered here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { ServiceContext } from '../context.ts';
import { forbidden, HttpError, notFound } from '../errors.ts';
import { membershipsOf, sessionAuth, sessionOf, type Session } from '../services/sessions.ts';
import { html, type Html } from './html.ts';
import {
  BASE, checkSameOrigin, checkSessionCsrf, readForm, readQuery, requireRole, securityHeaders, sessionToken, setSessionCookie, type Page, type PageReply,
} from './kit.ts';
import { bareLayout, layout } from './layout.ts';
import { auditPages } from './pages/audit.ts';
import { deliveryPages } from './pages/deliveries.ts';
import { endpointPages } from './pages/endpoints.ts';
import { eventPages } from './pages/events.ts';
import { keyPages } from './pages/keys.ts';
import { memberPages } from './pages/members.ts';
import { overviewPages } from './pages/overview.ts';
import { accountPages, sessionPages, signInPages } from './pages/session.ts';

/** Pages of a signed-in member of a tenant. */
const PAGES: Page[] = [...overviewPages, ...endpointPages, ...deliveryPages, ...eventPages, ...keyPages, ...memberPages, ...auditPages];

// Static files: the dashboard's own, and htmx pinned through npm (no CDN, no build step).
const require = createRequire(import.meta.url);
const ASSETS: Record<string, { path: string; type: string }> = {
  'dashboard.css': { path: new URL('./assets/dashboard.css', import.meta.url).pathname, type: 'text/css; charset=utf-8' },
  'dashboard.js': { path: new URL('./assets/dashboard.js', import.meta.url).pathname, type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': { path: require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
};
const loaded = new Map<string, { body: Buffer; type: string; etag: string }>();
function asset(name: string) {
  let found = loaded.get(name);
  if (!found && Object.hasOwn(ASSETS, name)) {
    const body = readFileSync(ASSETS[name].path);
    found = { body, type: ASSETS[name].type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    loaded.set(name, found);
  }
  return found;
}

const isDashboardPath = (path: string) => path === BASE || path.startsWith(`${BASE}/`);

function send(ctx: Context, reply: PageReply): void {
  if ('redirect' in reply) {
    ctx.redirect(reply.redirect);
    ctx.status = 303;
    return;
  }
  ctx.status = reply.status ?? 200;
  for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = reply.body.text;
}

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Not allowed', 404: 'Not found', 405: 'Method not allowed', 409: 'Conflict', 413: 'Too large', 415: 'Unsupported form', 422: 'Cannot do that', 429: 'Too many requests' };

function errorBody(err: HttpError): Html {
  return html`<p class="error" role="alert">${err.message}</p>
<p><a href="${BASE}">Back to the overview</a></p>`;
}

export function dashboard(services: ServiceContext): Middleware {
  const router = new Router({ prefix: BASE, strict: false });

  router.get('/assets/:name', (ctx) => {
    ctx.state.route = `${BASE}/assets/:name`;
    const file = asset(ctx.params.name);
    if (!file) throw notFound('no such file');
    ctx.set('etag', file.etag);
    ctx.set('cache-control', 'no-cache');
    if (ctx.get('if-none-match') === file.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = file.type;
    ctx.body = file.body;
  });

  // Sign-in: no session needed.
  for (const p of signInPages) {
    router[p.method](p.path, async (ctx) => {
      ctx.state.route = BASE + p.path;
      send(ctx, await p.handle({ services, ctx, query: readQuery(ctx), form: p.method === 'post' ? await readForm(ctx) : new URLSearchParams() }));
    });
  }

  const mount = (p: Page, needsTenant: boolean) => {
    router[p.method](p.path, async (ctx) => {
      ctx.state.route = BASE + p.path;
      const query = readQuery(ctx);
      const form = p.method === 'post' ? await readForm(ctx) : new URLSearchParams();
      if (p.method === 'post') checkSameOrigin(ctx);
      const session = await sessionOf(services, sessionToken(ctx));
      if (!session) {
        if (sessionToken(ctx)) setSessionCookie(ctx, null);
        send(ctx, { redirect: `${BASE}/login` });
        return;
      }
      ctx.state.session = session;
      if (p.method === 'post') checkSessionCsrf(session, form);
      const auth = sessionAuth(session, ctx.ip);
      if (needsTenant) {
        if (!auth) throw forbidden('your account is not a member of any organization: ask an owner to add you');
        if (session.tenant_status !== 'active') throw forbidden('this tenant is suspended: switch to another organization');
        ctx.state.tenantId = auth.tenantId;
        requireRole(auth, p.role);
      }
      send(ctx, await p.handle({ services, ctx, params: ctx.params, query, form, session, auth: auth! }));
    });
  };
  for (const p of PAGES) mount(p, true);
  for (const p of [...sessionPages, ...accountPages]) mount(p, false);

  const routes = router.routes();
  return async (ctx, next) => {
    if (!isDashboardPath(ctx.path)) return next();
    securityHeaders(ctx);
    ctx.set('cache-control', 'no-store');
    try {
      await routes(ctx as Parameters<typeof routes>[0], async () => {});
      if (ctx.body == null && ctx.status === 404) throw notFound(`no page at ${ctx.path}`);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      ctx.status = err.status;
      for (const [k, v] of Object.entries(err.headers)) if (k !== 'www-authenticate') ctx.set(k, v);
      const title = TITLES[err.status] ?? 'Error';
      const session = ctx.state.session as Session | undefined;
      const body = session
        ? layout({ session, memberships: await membershipsOf(services, session).catch(() => []), section: '' }, title, errorBody(err))
        : bareLayout(title, html`${errorBody(err)}<p><a href="${BASE}/login">Sign in</a></p>`);
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = body.text;
    }
  };
}
