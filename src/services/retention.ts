// Retention: everything that accumulates is removed once past its time, continuously, in small
// batches (docs/reliability.md "Retention"). Each purge crosses tenants through one narrow
// SECURITY DEFINER function per batch (src/db/crossTenant.ts, sql/040_retention.sql); the worker
// runs every purge in turn, pacing its batches (workers/retention.ts).
//
// To bound something new, add a Purge to PURGES; the worker runs it with the rest.
import type { ServiceContext } from '../context.ts';
import {
  pruneExpiredEvents, purgeAbandonedCarts, purgeAuditLog, purgeDeletedEndpoints, purgeExpiredSessions, purgeIdempotencyKeys, purgeRateLimits,
} from '../db/crossTenant.ts';
import { KEEP_HOURS } from '../db/idempotency.ts';
import { idFloor } from '../ids.ts';

/** Rows (events, for the event purge) per batch: each batch is one short transaction. */
export const BATCH = 500;

/** What one batch removed, and whether more may be left. */
export interface Batch {
  removed: number;
  more: boolean;
}

export interface Purge {
  name: string;
  /** One round over everything past its time; each call of the function it returns removes one batch. */
  round(services: ServiceContext): () => Promise<Batch>;
}

const ago = ({ clock }: ServiceContext, ms: number) => new Date(clock.now().getTime() - ms);

/**
 * How far back the event log reaches now: events older than this are (or may already be) gone, so
 * GET /v1/events and replay say so in their answers (header `herald-events-retained-since`).
 */
export const eventsRetainedSince = (services: ServiceContext): Date => ago(services, services.config.eventRetentionMs);
export const RETAINED_SINCE_HEADER = 'herald-events-retained-since';
/** A purge whose batches are independent: a full batch means there may be more. */
const simple = (name: string, batch: (services: ServiceContext) => Promise<number>): Purge => ({
  name,
  round: (services) => async () => {
    const removed = await batch(services);
    return { removed, more: removed >= BATCH };
  },
});

export const PURGES: Purge[] = [
  {
    // Events past HERALD_EVENT_RETENTION whose deliveries have all ended, with those deliveries and their attempts.
    name: 'events',
    round: (services) => {
      let after: string | null = null;
      return async () => {
        const cutoff = ago(services, services.config.eventRetentionMs);
        const pruned = await pruneExpiredEvents(services.pool, cutoff, idFloor('event', cutoff), after, BATCH);
        after = pruned.next_tenant;
        return { removed: pruned.events + pruned.deliveries + pruned.attempts, more: after !== null };
      };
    },
  },
  // Deleted endpoints, once the retention took their last deliveries.
  simple('endpoints', (services) => purgeDeletedEndpoints(services.pool, ago(services, services.config.eventRetentionMs), BATCH)),
  // Idempotency records past their 24 hours.
  simple('idempotency_keys', (services) => purgeIdempotencyKeys(services.pool, ago(services, KEEP_HOURS * 3_600_000), BATCH)),
  // Rate-limit counters of windows that ended over an hour ago.
  simple('rate_limits', (services) => purgeRateLimits(services.pool, BATCH)),
  // Carts never checked out and unchanged for HERALD_CART_RETENTION, with their items and expired checkouts.
  simple('carts', async (services) => {
    const before = ago(services, services.config.cartRetentionMs);
    return (await purgeAbandonedCarts(services.pool, before, idFloor('cart', before), BATCH)).carts;
  }),
  // Dashboard sessions past HERALD_SESSION_MAX_AGE or idle past HERALD_SESSION_IDLE_TIMEOUT.
  simple('sessions', (services) => purgeExpiredSessions(services.pool, services.clock.now(), Math.round(services.config.sessionIdleMs / 1000), BATCH)),
  // Audit entries past HERALD_AUDIT_RETENTION.
  simple('audit_log', (services) => {
    const before = ago(services, services.config.auditRetentionMs);
    return purgeAuditLog(services.pool, before, idFloor('audit', before), BATCH);
  }),
];

export interface RunOptions {
  /** Rest between batches for as long as the last one took (at most half the database time of one connection). */
  pace?: boolean;
  /** Checked between batches: stop early (shutdown). */
  stopping?: () => boolean;
}

/** One round of every purge, each until nothing past its time is left; returns the rows removed per purge. */
export async function purgeExpired(services: ServiceContext, options: RunOptions = {}): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const purge of PURGES) {
    const next = purge.round(services);
    removed[purge.name] = 0;
    for (;;) {
      if (options.stopping?.()) return removed;
      const started = Date.now();
      const batch = await next();
      removed[purge.name] += batch.removed;
      if (!batch.more) break;
      if (options.pace) await new Promise((r) => setTimeout(r, Math.max(10, Date.now() - started)));
    }
  }
  return removed;
}
