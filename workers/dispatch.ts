// The dispatcher: turns committed events into deliveries. Each claim is one transaction over one
// tenant and mode: lock a batch of outbox rows (SKIP LOCKED, so several dispatchers share the
// work), match the scope's enabled endpoints, insert the deliveries and their first-attempt jobs,
// delete the outbox rows, commit. A failed transaction leaves the rows for the next claim, and
// nothing of it behind, so a retried batch cannot deliver twice.
// It wakes on NOTIFY herald_outbox (sent when outbox rows commit) and, as a backstop for a
// lost listener, every second.
import type { ServiceContext } from '../src/context.ts';
import { claimOutboxScope } from '../src/db/crossTenant.ts';
import { insertDeliveries, type NewDelivery } from '../src/db/deliveries.ts';
import { enabledEndpoints } from '../src/db/endpoints.ts';
import { claimOutboxBatch, deleteOutbox } from '../src/db/outbox.ts';
import type { Tx } from '../src/db/pool.ts';
import { pinScope, transaction } from '../src/db/tenant.ts';
import { newId } from '../src/ids.ts';
import { dispatchLag, eventsDispatched } from '../src/metrics.ts';
import { matchesEventType } from '../src/services/endpoints.ts';

const CHANNEL = 'herald_outbox';
const BACKSTOP_MS = 1_000;
const RECONNECT_MS = 1_000;
/** Refresh the job table's statistics after this many new jobs (and at most once a minute). */
const ANALYZE_AFTER_JOBS = 5_000;
const ANALYZE_EVERY_MS = 60_000;

/** Claims and fans out one batch; returns how many events it took (0: the outbox is empty). */
export async function dispatchBatch({ pool, queue, logger }: ServiceContext, batchSize = 100): Promise<{ events: number; deliveries: number }> {
  const done = await transaction(pool, async (tx) => {
    const scope = await claimOutboxScope(tx);
    if (!scope) return { events: [], deliveries: 0, waited: [] };
    await pinScope(tx, scope);
    const claimed = await claimOutboxBatch(tx, scope, batchSize);
    const endpoints = await enabledEndpoints(tx, scope);
    const deliveries: NewDelivery[] = [];
    const events = claimed.map((event) => {
      const matched = endpoints.filter((e) => matchesEventType(e.event_types, event.type));
      for (const endpoint of matched) deliveries.push({ id: newId('delivery'), endpointId: endpoint.id, eventId: event.event_id, eventType: event.type });
      return { msg: 'event.dispatched', tenant_id: scope.tenantId, mode: scope.mode, event_id: event.event_id, type: event.type, deliveries: matched.length };
    });
    await insertDeliveries(tx, scope, deliveries);
    await queue.enqueueAttempts(tx, deliveries.map((d) => ({ tenant_id: scope.tenantId, mode: scope.mode, delivery_id: d.id, attempt: 1, endpointId: d.endpointId })));
    const waited = await deleteOutbox(tx, scope, claimed.map((e) => e.event_id));
    return { events, deliveries: deliveries.length, waited };
  });
  // Logged and counted once committed: a rolled-back batch is claimed again.
  for (const line of done.events) logger.info(line);
  eventsDispatched.inc(done.events.length);
  for (const seconds of done.waited) dispatchLag.observe(Math.max(0, seconds));
  return { events: done.events.length, deliveries: done.deliveries };
}

export interface Dispatcher {
  /** Stops claiming and waits for the batch in flight. */
  stop(): Promise<void>;
}

export function startDispatcher(services: ServiceContext): Dispatcher {
  const { pool, logger, queue } = services;
  let stopping = false;
  let draining: Promise<void> | undefined;
  let again = false;
  let listener: Tx | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let jobsSinceAnalyze = 0;
  let lastAnalyze = 0;

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        for (;;) {
          if (stopping) return;
          const { events, deliveries } = await dispatchBatch(services);
          jobsSinceAnalyze += deliveries;
          if (!events) break;
        }
        await maybeAnalyze();
      } catch (err) {
        logger.error({ err }, 'dispatch failed; the events stay in the outbox');
        return;
      }
    } while (again && !stopping);
  }

  async function maybeAnalyze(): Promise<void> {
    if (jobsSinceAnalyze < ANALYZE_AFTER_JOBS || Date.now() - lastAnalyze < ANALYZE_EVERY_MS) return;
    jobsSinceAnalyze = 0;
    lastAnalyze = Date.now();
    await queue.analyze();
  }

  /** Starts draining, or asks the running drain to go round once more. */
  function wake(): void {
    if (stopping) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drain().finally(() => (draining = undefined));
  }

  async function listen(): Promise<void> {
    if (stopping) return;
    try {
      const client = await pool.connect();
      if (stopping) return client.release(true);
      client.on('notification', wake);
      client.on('error', (err) => {
        logger.warn({ err }, 'outbox listener lost; reconnecting');
        client.release(err);
        if (listener === client) listener = undefined;
        reconnectTimer = setTimeout(() => void listen(), RECONNECT_MS);
      });
      await client.query(`listen ${CHANNEL}`);
      listener = client;
      wake(); // anything committed while not listening
    } catch (err) {
      logger.warn({ err }, 'outbox listener failed to connect; retrying');
      reconnectTimer = setTimeout(() => void listen(), RECONNECT_MS);
    }
  }

  const backstop = setInterval(wake, BACKSTOP_MS);
  void listen();

  return {
    async stop() {
      stopping = true;
      clearInterval(backstop);
      clearTimeout(reconnectTimer);
      await draining;
      if (listener) {
        const client = listener;
        listener = undefined;
        // The connection carries LISTEN state; drop it rather than return it to the pool.
        client.release(true);
      }
    },
  };
}
