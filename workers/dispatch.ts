// The dispatcher: turns committed events into deliveries. Each batch is one transaction: claim
// the oldest outbox rows of any tenants (claimOutbox: SKIP LOCKED, so several dispatchers share
// the work, and deleted in this transaction), then per scope under row-level security match the
// events to the scope's enabled endpoints and insert the deliveries, then enqueue every first
// attempt's job in one statement, commit. A failed transaction puts the outbox rows back and
// leaves nothing of itself behind, so a retried batch cannot deliver twice.
// It wakes on NOTIFY herald_outbox (sent when outbox rows commit) and, as a backstop for a
// lost listener, every second.
import type { ServiceContext } from '../src/context.ts';
import { claimOutbox, type ClaimedOutboxRow } from '../src/db/crossTenant.ts';
import type { NewDelivery } from '../src/db/deliveries.ts';
import { dispatchInputs } from '../src/db/outbox.ts';
import type { Tx } from '../src/db/pool.ts';
import { pinScope, workerTransaction } from '../src/db/tenant.ts';
import { newId } from '../src/ids.ts';
import { logFailure } from '../src/logger.ts';
import { dispatchLag, eventsDispatched } from '../src/metrics.ts';
import type { EndpointAttempt } from '../src/queue/index.ts';
import type { TenantScope } from '../src/scope.ts';
import { matchesEventType } from '../src/services/endpoints.ts';
import { admit, flowOf } from '../src/services/flows.ts';

const CHANNEL = 'herald_outbox';
const BACKSTOP_MS = 1_000;
const RECONNECT_MS = 1_000;
/** Events claimed per batch (each may fan out to many endpoints). */
const BATCH = 500;
/** Refresh the delivery tables' statistics after this many new deliveries (and at most every 10 s). */
const ANALYZE_AFTER_JOBS = 5_000;
const ANALYZE_EVERY_MS = 10_000;

/** Claims and fans out one batch; returns how many events it took (0: the outbox is empty). */
export async function dispatchBatch(services: ServiceContext, batchSize = BATCH): Promise<{ events: number; deliveries: number }> {
  const { pool, queue, logger } = services;
  const done = await workerTransaction(pool, async (tx) => {
    const claimed = (await claimOutbox(tx, batchSize)).sort((a, b) => a.seq - b.seq);
    const scopes = new Map<string, ClaimedOutboxRow[]>();
    for (const row of claimed) {
      const key = `${row.tenant_id}/${row.mode}`;
      scopes.set(key, [...(scopes.get(key) ?? []), row]);
    }
    const lines: object[] = [];
    const attempts: EndpointAttempt[] = [];
    // Scopes in one order everywhere: their flow locks are taken in that order (db/deliveries.ts lockFlows).
    for (const [, rows] of [...scopes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const scope = { tenantId: rows[0].tenant_id, mode: rows[0].mode };
      attempts.push(...await fanOut(services, tx, scope, rows.map((r) => r.event_id), lines));
    }
    await queue.enqueueAttempts(tx, attempts);
    return { lines, deliveries: lines.reduce((n: number, l) => n + (l as { deliveries: number }).deliveries, 0), waited: claimed.map((r) => r.waited) };
  });
  // Logged and counted once committed: a rolled-back batch is claimed again.
  for (const line of done.lines) logger.info(line);
  eventsDispatched.inc(done.lines.length);
  for (const seconds of done.waited) dispatchLag.observe(Math.max(0, seconds));
  return { events: done.lines.length, deliveries: done.deliveries };
}

/**
 * One scope's events (in commit order) matched to its enabled endpoints, as new deliveries in
 * their endpoints' flows; returns the first attempts of those released now.
 */
async function fanOut(services: ServiceContext, tx: Tx, scope: TenantScope, eventIds: string[], lines: object[]): Promise<EndpointAttempt[]> {
  await pinScope(tx, scope);
  const { events, endpoints } = await dispatchInputs(tx, scope, eventIds);
  const byId = new Map(events.map((e) => [e.id, e]));
  const deliveries: Array<Omit<NewDelivery, 'parked'>> = [];
  for (const eventId of eventIds) {
    const event = byId.get(eventId)!;
    const matched = endpoints.filter((e) => matchesEventType(e.event_types, event.type));
    for (const endpoint of matched) {
      deliveries.push({ id: newId('delivery'), endpointId: endpoint.id, eventId, eventType: event.type, flow: flowOf(endpoint.ordering, event.ordering_key) });
    }
    lines.push({ msg: 'event.dispatched', tenant_id: scope.tenantId, mode: scope.mode, event_id: eventId, type: event.type, deliveries: matched.length });
  }
  return admit(tx, scope, services.config, deliveries);
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
  let analyzing: Promise<void> | undefined;

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        for (;;) {
          if (stopping) return;
          const { events, deliveries } = await dispatchBatch(services);
          jobsSinceAnalyze += deliveries;
          maybeAnalyze();
          if (!events) break;
        }
      } catch (err) {
        logFailure(logger, err, 'dispatch failed; the events stay in the outbox');
        return;
      }
    } while (again && !stopping);
  }

  /** In the background: a burst keeps being dispatched while the statistics are refreshed. */
  function maybeAnalyze(): void {
    if (analyzing || jobsSinceAnalyze < ANALYZE_AFTER_JOBS || Date.now() - lastAnalyze < ANALYZE_EVERY_MS) return;
    jobsSinceAnalyze = 0;
    lastAnalyze = Date.now();
    analyzing = queue.analyze()
      .catch((err) => logFailure(logger, err, 'refreshing the delivery tables\' statistics failed'))
      .finally(() => (analyzing = undefined));
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
        logFailure(logger, err, 'outbox listener lost; reconnecting');
        client.release(err);
        if (listener === client) listener = undefined;
        reconnectTimer = setTimeout(() => void listen(), RECONNECT_MS);
      });
      await client.query(`listen ${CHANNEL}`);
      listener = client;
      wake(); // anything committed while not listening
    } catch (err) {
      logFailure(logger, err, 'outbox listener failed to connect; retrying');
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
      await analyzing;
      if (listener) {
        const client = listener;
        listener = undefined;
        // The connection carries LISTEN state; drop it rather than return it to the pool.
        client.release(true);
      }
    },
  };
}
