// Rate limits held across every API process together (DESIGN §5), counted in Postgres in fixed
// windows on the database's clock (take_rate_limit, sql/022). Answered with 429 and Retry-After.
//
// Hot paths (the per-tenant API limit, the storefront) do not pay a round trip per request: a
// process leases allowance in chunks (a twentieth of the limit, at most 100) and spends it
// locally until the chunk or the window runs out; a window found spent is remembered until it
// ends, so a flood is refused with no database work at all. Precision: the database never grants
// more than the limit per window, so all processes together never admit more; a process may
// hold up to a chunk it does not use, so with P busy processes as few as limit − P × (chunk − 1)
// may be admitted in a window. Windows are fixed, so a burst may straddle two of them (up to
// twice the limit within one window's length). Rare, expensive paths (logins, token issuing,
// wrong admin tokens) take one unit per request.
import type { ServiceContext } from '../context.ts';
import { takeRateLimit, takeTenantAllowance, type Allowance } from '../db/crossTenant.ts';
import type { Pool } from '../db/pool.ts';
import { tooManyRequests } from '../errors.ts';

export interface Limit {
  /** Prefix of the counter's key. */
  name: string;
  max: number;
  windowSeconds: number;
}

export const LIMITS = {
  /** Logins (and password checks) per email or user: slows password guessing across addresses. */
  login: { name: 'login', max: 10, windowSeconds: 60 },
  /** Dashboard sign-ins per client address (besides `login` per email): slows one address trying many emails. */
  dashboardSignIn: { name: 'dashboard-sign-in', max: 30, windowSeconds: 60 },
  /** Token requests per client address. */
  token: { name: 'token', max: 60, windowSeconds: 60 },
  /** Storefront requests per client address: generous for browsing, tight for scrapers. */
  storefront: { name: 'storefront', max: 300, windowSeconds: 60 },
  /** Storefront writes (carts, checkout) per client address: a shopper makes a few a minute, a script creating carts more. */
  storefrontWrites: { name: 'storefront-writes', max: 60, windowSeconds: 60 },
  /** Wrong operator tokens per client address; beyond it the address gets 429 without its token being looked at. */
  adminFailures: { name: 'admin-failures', max: 10, windowSeconds: 60 },
} satisfies Record<string, Limit>;

/** The per-tenant API limit's window; its size is the tenant's api_rate_limit (requests per second). */
const TENANT_WINDOW_SECONDS = 1;

const retryAfter = (ms: number) => tooManyRequests(Math.max(1, Math.ceil(ms / 1000)));

interface Lease {
  /** Allowance held by this process for the current window. */
  left: number;
  /** When the window ends, on this process's clock. */
  until: number;
  /** The database had no more for this window. */
  spent: boolean;
  pending?: Promise<void>;
}

/** Allowance leased from the database per key, spent locally: one per pool (database) and process. */
class Leases {
  private leases = new Map<string, Lease>();
  private nextSweep = 0;

  /** Spends one unit for `key`; returns 0, or the milliseconds until allowance comes back. */
  async spend(key: string, fetch: () => Promise<Allowance & { want: number }>): Promise<number> {
    for (;;) {
      const now = Date.now();
      if (now >= this.nextSweep) this.sweep(now);
      let lease = this.leases.get(key);
      if (lease && now < lease.until) {
        if (lease.left > 0) {
          lease.left--;
          return 0;
        }
        if (lease.spent) return lease.until - now;
      }
      if (!lease) this.leases.set(key, (lease = { left: 0, until: 0, spent: false }));
      // Requests arriving while a chunk is on its way wait for it rather than each asking.
      lease.pending ??= this.refill(lease, fetch);
      await lease.pending;
    }
  }

  private async refill(lease: Lease, fetch: () => Promise<Allowance & { want: number }>): Promise<void> {
    try {
      const got = await fetch();
      const now = Date.now();
      if (now >= lease.until) lease.left = 0;
      lease.left += got.granted;
      lease.until = now + got.reset_ms;
      lease.spent = got.granted < got.want;
    } finally {
      lease.pending = undefined;
    }
  }

  // At most once a second: sweeping on every call would cost O(keys) per request.
  private sweep(now: number): void {
    this.nextSweep = now + 1000;
    for (const [key, lease] of this.leases) if (now >= lease.until && !lease.pending) this.leases.delete(key);
  }
}

const leasesByPool = new WeakMap<Pool, Leases>();
function leasesOf(pool: Pool): Leases {
  let leases = leasesByPool.get(pool);
  if (!leases) leasesByPool.set(pool, (leases = new Leases()));
  return leases;
}

const chunkOf = (max: number) => Math.min(100, Math.max(1, Math.ceil(max / 20)));

/** One request counted against `limit` for `subject` (an address, an email); 429 beyond it. */
export async function rateLimit({ pool }: ServiceContext, limit: Limit, subject: string): Promise<void> {
  const key = `${limit.name}:${subject}`;
  const want = chunkOf(limit.max);
  const wait = await leasesOf(pool).spend(key, async () => ({ ...(await takeRateLimit(pool, key, limit.windowSeconds, limit.max, want)), want }));
  if (wait > 0) throw retryAfter(wait);
}

/** Before the work: a 429 when `subject` has used up `limit` (counted by `countFailure`), without counting this request. */
export async function refuseWhenSpent({ pool }: ServiceContext, limit: Limit, subject: string): Promise<void> {
  const seen = await takeRateLimit(pool, `${limit.name}:${subject}`, limit.windowSeconds, limit.max, 0);
  if (seen.remaining === 0) throw retryAfter(seen.reset_ms);
}

/** Counts one failure (a wrong operator token) against `limit`. */
export async function countFailure({ pool }: ServiceContext, limit: Limit, subject: string): Promise<void> {
  await takeRateLimit(pool, `${limit.name}:${subject}`, limit.windowSeconds, limit.max, 1);
}

// The tenant's limit, as last seen, sizes its chunks.
const tenantLimits = new Map<string, number>();

/**
 * One request against the tenant's API limit (tenants.api_rate_limit requests per second, set by
 * the operator), across every API process; 429 with Retry-After beyond it.
 */
export async function limitTenant({ pool }: ServiceContext, tenantId: string): Promise<void> {
  const wait = await leasesOf(pool).spend(`api:${tenantId}`, async () => {
    const want = chunkOf(tenantLimits.get(tenantId) ?? 1);
    const got = await takeTenantAllowance(pool, tenantId, want);
    if (!got) return { granted: 0, remaining: 0, reset_ms: TENANT_WINDOW_SECONDS * 1000, want };
    if (tenantLimits.size > 100_000) tenantLimits.clear();
    tenantLimits.set(tenantId, got.api_rate_limit);
    return { ...got, want };
  });
  if (wait > 0) throw retryAfter(wait);
}
