// Prometheus metrics (prom-client: the standard Node client). Series are prefixed herald_ and
// never carry tenant ids as labels (unbounded cardinality, and tenant data in a shared system).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });

export const httpRequests = new Counter({
  name: 'herald_http_requests_total',
  help: 'HTTP requests answered, by route template, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [registry],
});

export const deliveryAttempts = new Counter({
  name: 'herald_deliveries_total',
  help: 'Delivery attempts made, by outcome (delivered, retry, failed, disable)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const deliveryDuration = new Histogram({
  name: 'herald_delivery_duration_seconds',
  help: 'Time from the start of a delivery attempt to its response or error',
  labelNames: ['outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  registers: [registry],
});

export const eventsDispatched = new Counter({
  name: 'herald_events_dispatched_total',
  help: 'Events taken from the outbox and fanned out to matching endpoints',
  registers: [registry],
});
