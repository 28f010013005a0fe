// The worker role: serves /healthz, /readyz and /metrics on HERALD_WORKER_PORT.
import Router from '@koa/router';
import Koa from 'koa';
import type { Server } from 'node:http';
import { requestContext } from '../src/http/middleware.ts';
import { mount, type Deps } from '../src/http/route.ts';
import { healthRoutes } from '../src/http/routes/health.ts';
import { closeServer, listen } from '../src/runtime.ts';

export interface Worker {
  port: number;
  /** Stops taking work, lets in-flight deliveries finish (bounded), closes the health server. */
  stop(): Promise<void>;
}

export async function startWorker(deps: Deps, port: number): Promise<Worker> {
  const app = new Koa();
  const router = new Router();
  mount(router, healthRoutes, deps);
  app.use(requestContext(deps.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server: Server = await listen(app, port);
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      await closeServer(server, 2_000);
    },
  };
}
