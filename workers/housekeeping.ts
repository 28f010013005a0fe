// Periodic upkeep in the worker process: every so often, expire the checkouts whose 24 hours ran
// out (checkout.expired), cancel the storefront orders left unpaid past HERALD_UNPAID_ORDER_TTL
// (order.cancelled; their stock and coupon come back), and bring the dashboard's hourly rollups
// up to date for every active tenant (so no overview pays for a long roll-up). Each worker process
// runs it; the work is idempotent (every change is a conditional update that re-checks its rule),
// so several workers at once change each row once.
import type { ServiceContext } from '../src/context.ts';
import { logFailure } from '../src/logger.ts';
import { keepRollupsUpToDate } from '../src/services/dashboard.ts';
import { cancelUnpaidOrders, expireCheckouts } from '../src/services/housekeeping.ts';

/** Between rounds: an expired checkout or an overdue order waits at most this long. */
const INTERVAL_MS = 30_000;

export interface Housekeeper {
  /** Stops the rounds and waits for the one in flight. */
  stop(): Promise<void>;
}

/** One round of everything; returns what it changed. */
export async function keepHouse(services: ServiceContext): Promise<{ checkouts_expired: number; orders_cancelled: number; dashboards_rolled_up: number }> {
  const checkouts_expired = await expireCheckouts(services);
  const orders_cancelled = await cancelUnpaidOrders(services);
  const dashboards_rolled_up = await keepRollupsUpToDate(services);
  if (checkouts_expired || orders_cancelled) services.logger.info({ msg: 'housekeeping', checkouts_expired, orders_cancelled });
  return { checkouts_expired, orders_cancelled, dashboards_rolled_up };
}

export function startHousekeeping(services: ServiceContext, options: { intervalMs?: number } = {}): Housekeeper {
  let current: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (current) return; // the previous round is still running
    current = keepHouse(services)
      .catch((err) => logFailure(services.logger, err, 'housekeeping failed; the next round retries'))
      .finally(() => { current = undefined; });
  }, options.intervalMs ?? INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
