// Prometheus metrics (prom-client: the standard Node client). Series are prefixed herald_ and
// never carry tenant ids as labels (unbounded cardinality, and tenant data in a shared system).
// Counters and histograms count what this process did; the backlog gauges are read from the
// database at each scrape, so every process reports the same global numbers.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceContext } from './context.ts';
import { outboxBacklog } from './db/crossTenant.ts';

export const registry = new Registry();
// prom-client's default names already start with process_ / nodejs_: the prefix is only herald_.
collectDefaultMetrics({ register: registry, prefix: 'herald_' });

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

export const attemptDuration = new Histogram({
  name: 'herald_attempt_duration_seconds',
  help: 'Time from the start of a delivery attempt to its response or error, by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  registers: [registry],
});

export const eventsDispatched = new Counter({
  name: 'herald_events_dispatched_total',
  help: 'Events taken from the outbox and fanned out to matching endpoints',
  registers: [registry],
});

export const dispatchLag = new Histogram({
  name: 'herald_dispatch_lag_seconds',
  help: 'Time from an event\'s commit to its deliveries\' jobs being enqueued',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const deliveriesRequeued = new Counter({
  name: 'herald_deliveries_requeued_total',
  help: 'Overdue deliveries whose lost job the sweeper put back on the queue',
  registers: [registry],
});

export const retentionRemoved = new Counter({
  name: 'herald_retention_removed_total',
  help: 'Rows the retention loop removed, by purge (events: events, deliveries and attempts together)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

// stage: `outbox` (events waiting for dispatch) or `deliver` (attempts due and not yet started).
const queueDepth = new Gauge({
  name: 'herald_queue_depth',
  help: 'Work waiting now: events not yet dispatched (stage=outbox), attempts due and not started (stage=deliver)',
  labelNames: ['stage'] as const,
  registers: [registry],
});

const oldestPending = new Gauge({
  name: 'herald_oldest_pending_seconds',
  help: 'How long the longest-waiting work of each stage has waited (0 when none waits)',
  labelNames: ['stage'] as const,
  registers: [registry],
});

/** The exposition text, with the backlog gauges read now; a database error leaves them as they were. */
export async function renderMetrics({ pool, queue }: ServiceContext): Promise<string> {
  try {
    const [outbox, deliver] = await Promise.all([outboxBacklog(pool), queue.backlog()]);
    for (const [stage, backlog] of [['outbox', outbox], ['deliver', deliver]] as const) {
      queueDepth.set({ stage }, backlog.depth);
      oldestPending.set({ stage }, Math.max(0, backlog.waited));
    }
  } catch {
    // /readyz reports the database; metrics still answer with what this process counted.
  }
  return registry.metrics();
}
