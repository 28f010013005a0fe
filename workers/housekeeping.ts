// Periodic upkeep in the worker process: every so often, expire the checkouts whose 24 hours ran
// out (checkout.expired), cancel the storefront orders left unpaid past HERALD_UNPAID_ORDER_TTL
// (order.cancelled; their stock and coupon come back), and bring the dashboard's hourly rollups
// up to date for every active tenant (so no overview pays for a long roll-up). Each worker process
// runs it; the work is idempotent (every change is a conditional update that re-checks its rule),
// so several workers at once change each row once.
import type { ServiceContext } from '../src/context.ts';
import { keepRollupsUpToDate } from '../src/services/dashboard.ts';
import { cancelUnpaidOrders, expireCheckouts } from '../src/services/housekeeping.ts';
import { every } from './loop.ts';

/** Between rounds: an expired checkout or an overdue order waits at most this long. */
const INTERVAL_MS = 30_000;

export interface Housekeeper {
  /** Stops the rounds and waits for those in flight. */
  stop(): Promise<void>;
}

/** One round of the shop's upkeep; returns what it changed. */
export async function keepHouse(services: ServiceContext): Promise<{ checkouts_expired: number; orders_cancelled: number }> {
  const checkouts_expired = await expireCheckouts(services);
  const orders_cancelled = await cancelUnpaidOrders(services);
  if (checkouts_expired || orders_cancelled) services.logger.info({ msg: 'housekeeping', checkouts_expired, orders_cancelled });
  return { checkouts_expired, orders_cancelled };
}

/**
 * The shop's upkeep and the dashboard's rollups, each its own loop at the same pace: a first
 * roll-up of a long history (seconds for a busy tenant) must not hold back expiring checkouts.
 */
export function startHousekeeping(services: ServiceContext, options: { intervalMs?: number } = {}): Housekeeper {
  const ms = options.intervalMs ?? INTERVAL_MS;
  const loops = [
    every(services.logger, ms, 'housekeeping', () => keepHouse(services)),
    every(services.logger, ms, 'rolling up the dashboard', () => keepRollupsUpToDate(services)),
  ];
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
