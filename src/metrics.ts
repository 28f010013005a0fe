// Prometheus metrics (prom-client: the standard Node client). Series are prefixed herald_ and
// never carry tenant ids as labels (unbounded cardinality, and tenant data in a shared system).
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });

export const httpRequests = new Counter({
  name: 'herald_http_requests_total',
  help: 'HTTP requests answered, by route template, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [registry],
});
