// The Koa application: request-wide middleware, then every route from one list.
import Router from '@koa/router';
import Koa from 'koa';
import { allowOrigin, mountPreflight } from './cors.ts';
import { jsonBody, queryGuard, requestContext } from './middleware.ts';
import { openApiDocument } from './openapi.ts';
import { EVENT_TYPES } from '../presenters/eventTypes.ts';
import { adminRoutes } from './routes/admin.ts';
import { couponRoutes } from './routes/coupons.ts';
import { customerRoutes } from './routes/customers.ts';
import { eventRoutes } from './routes/events.ts';
import { eventTypeRoutes } from './routes/eventTypes.ts';
import { orderRoutes } from './routes/orders.ts';
import { productRoutes } from './routes/products.ts';
import { apiKeyRoutes } from './routes/apiKeys.ts';
import { authRoutes } from './routes/auth.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { domainRoutes } from './routes/domains.ts';
import { healthRoutes } from './routes/health.ts';
import { memberRoutes } from './routes/members.ts';
import { storefrontRoutes } from './routes/storefront.ts';
import { variantRoutes } from './routes/variants.ts';
import { imageRoutes } from './routes/images.ts';
import { discountRoutes } from './routes/discounts.ts';
import { cartRoutes } from './routes/carts.ts';
import { pageRoutes, postRoutes } from './routes/content.ts';
import { settingsRoutes } from './routes/settings.ts';
import type { ServiceContext } from '../context.ts';
import { dashboard } from '../dashboard/app.ts';
import { mount, route, type Route } from './route.ts';
import { VERSION } from '../version.ts';

export const apiRoutes: Route<any, any, any>[] = [
  ...healthRoutes, ...authRoutes, ...apiKeyRoutes, ...memberRoutes, ...adminRoutes, ...domainRoutes, ...productRoutes, ...variantRoutes,
  ...imageRoutes, ...customerRoutes, ...couponRoutes, ...discountRoutes, ...orderRoutes, ...cartRoutes, ...pageRoutes, ...postRoutes,
  ...settingsRoutes, ...eventRoutes, ...eventTypeRoutes, ...storefrontRoutes, ...endpointRoutes, ...deliveryRoutes,
];

export function createApp(services: ServiceContext): Koa {
  // Behind a trusted proxy the client is the address that proxy appended to X-Forwarded-For: the
  // entries before it are whatever the client sent, and would let it pick its own rate-limit key.
  const app = new Koa({ proxy: services.config.trustProxy, maxIpsCount: 1 });
  const router = new Router();
  const docs = route({
    method: 'get', path: '/openapi.json', summary: 'This OpenAPI 3.1 document', tag: 'docs', access: 'public',
    response: { status: 200, description: 'OpenAPI 3.1 document' },
    // The server is where the document was fetched from (behind a trusted proxy, the forwarded origin).
    handle: async ({ http }) => ({ status: 200, body: { ...document, servers: [{ url: `${http.protocol}://${http.host}`, description: 'The Herald that served this document' }] } }),
  });
  const document = openApiDocument([...apiRoutes, docs], { version: VERSION, serverUrl: `http://localhost:${services.config.port}`, eventTypes: EVENT_TYPES });
  mount(router, [...apiRoutes, docs], services);
  mountPreflight(router, apiRoutes);
  app.use(requestContext(services.logger));
  // The dashboard answers everything under /dashboard itself (HTML pages, its own form reader).
  app.use(dashboard(services));
  app.use(allowOrigin(apiRoutes));
  app.use(queryGuard);
  app.use(jsonBody);
  app.use(router.routes());
  app.use(router.allowedMethods());
  // Errors are answered by requestContext; Koa's own handler only sees socket-level trouble.
  app.on('error', (err) => services.logger.debug({ err }, 'connection error'));
  return app;
}
