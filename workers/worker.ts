// The worker role: the dispatcher (outbox → deliveries), the deliver worker (one attempt per
// job), the sweeper (re-queues attempts whose job was lost), the shop's housekeeping
// (expired checkouts, unpaid storefront orders) and the retention loop, plus /healthz, /readyz and /metrics on
// HERALD_WORKER_PORT.
import Router from '@koa/router';
import Koa from 'koa';
import type { Server } from 'node:http';
import type { ServiceContext } from '../src/context.ts';
import { requestContext } from '../src/http/middleware.ts';
import { mount } from '../src/http/route.ts';
import { healthRoutes, metricsRoutes } from '../src/http/routes/health.ts';
import type { Route } from '../src/http/route.ts';
import { closeServer, listen } from '../src/runtime.ts';
import { startDeliverer, type DelivererOptions } from './deliver.ts';
import { startDispatcher } from './dispatch.ts';
import { startHousekeeping } from './housekeeping.ts';
import { startRetention } from './retention.ts';
import { startSweeper } from './sweep.ts';

export interface Worker {
  port: number;
  /** Stops taking work, lets in-flight deliveries finish (bounded), closes the health server. */
  stop(): Promise<void>;
}

/** How long in-flight attempts get to finish at shutdown: one request's full timeout and a margin. */
const graceMs = (services: ServiceContext) => services.config.deliveryTimeoutMs + 5_000;

/** A small server for operators' eyes: health and metrics, never the public API. */
function operatorApp(services: ServiceContext, routes: Route<any, any, any>[]): Koa {
  const app = new Koa();
  const router = new Router();
  mount(router, routes, services);
  app.use(requestContext(services.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** /metrics alone on HERALD_METRICS_PORT (any role), for an API process whose public port has none. */
export async function startMetricsServer(services: ServiceContext, port: number): Promise<Server> {
  return listen(operatorApp(services, metricsRoutes), port);
}

export async function startWorker(services: ServiceContext, port: number, options: DelivererOptions = {}): Promise<Worker> {
  const server: Server = await listen(operatorApp(services, [...healthRoutes, ...metricsRoutes]), port);
  const deliverer = await startDeliverer(services, options);
  const dispatcher = startDispatcher(services);
  const sweeper = startSweeper(services);
  const housekeeper = startHousekeeping(services);
  const retention = startRetention(services);
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      await Promise.all([dispatcher.stop(), sweeper.stop(), housekeeper.stop(), retention.stop(), deliverer.stop(graceMs(services)), closeServer(server, 2_000)]);
    },
  };
}
