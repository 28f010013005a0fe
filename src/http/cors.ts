// CORS for browsers. Storefront routes and publishable-key catalog reads may be called from any
// origin: `Access-Control-Allow-Origin: *`, no credentials mode (the credential is a bearer token
// or a cart token the page holds, never a cookie). Every other route sends no allowance, so a
// browser refuses to hand its response to a page, and a preflight for it fails.
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Route } from './route.ts';

const ALLOW_HEADERS = 'Authorization, Cart-Token, Content-Type, Idempotency-Key, If-None-Match, X-Request-Id';
const EXPOSE_HEADERS = 'ETag, Idempotent-Replayed, Retry-After, X-Request-Id';
const PREFLIGHT_MAX_AGE_SECONDS = '7200'; // the most Chromium caches

export const corsOpen = (r: Route<any, any, any>): boolean =>
  r.cors === true || r.access === 'shop' || (typeof r.access === 'object' && r.access.publishable === true);

/** Answers OPTIONS preflights on every path that has an open route, naming only the open methods. */
export function mountPreflight(router: Router, routes: Route<any, any, any>[]): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const r of routes.filter(corsOpen)) {
    const methods = methodsByPath.get(r.path) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    if (r.method === 'get') methods.add('HEAD');
    methodsByPath.set(r.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allowMethods = [...methods].join(', ');
    router.options(path, (ctx) => {
      ctx.set('access-control-allow-origin', '*');
      ctx.set('access-control-allow-methods', allowMethods);
      ctx.set('access-control-allow-headers', ALLOW_HEADERS);
      ctx.set('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      ctx.status = 204;
    });
  }
}

/** Marks responses of open routes, errors included (a page must be able to read a 404 or 429). */
export function allowOrigin(routes: Route<any, any, any>[]) {
  const open = new Set(routes.filter(corsOpen).map((r) => `${r.method.toUpperCase()} ${r.path}`));
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } finally {
      const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
      if (open.has(`${method} ${ctx.state.route}`)) {
        ctx.set('access-control-allow-origin', '*');
        ctx.set('access-control-expose-headers', EXPOSE_HEADERS);
      }
    }
  };
}
