import { z } from 'zod';
import { registry, renderMetrics } from '../../metrics.ts';
import { readiness } from '../../services/health.ts';
import { route } from '../route.ts';

const Health = z.object({ status: z.literal('ok') });
const tag = 'health';

export const healthRoutes = [
  route({
    method: 'get', path: '/healthz', summary: 'The process is up', tag, access: 'public',
    response: { status: 200, schema: Health },
    handle: async () => ({ status: 200, body: { status: 'ok' } }),
  }),
  route({
    method: 'get', path: '/readyz', summary: 'The database is reachable and migrations are current', tag, access: 'public',
    response: { status: 200, schema: Health }, errors: [503],
    handle: async ({ services }) => {
      await readiness(services);
      return { status: 200, body: { status: 'ok' } };
    },
  }),
];

/**
 * Never on the public API port (DESIGN §4): the worker's port serves it, and HERALD_METRICS_PORT
 * when set (workers/worker.ts).
 */
export const metricsRoutes = [
  route({
    method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag, access: 'public',
    response: { status: 200, description: 'Prometheus text exposition format' },
    handle: async ({ services }) => ({ status: 200, body: await renderMetrics(services), headers: { 'content-type': registry.contentType } }),
  }),
];
