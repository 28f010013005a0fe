// What the dashboard computes beside the resources' own services (docs/dashboard.md): the
// overview of a tenant's deliveries over 1 h, 24 h, 7 d or 30 d, and the endpoints' health. All of
// it per tenant and mode, from Herald's own tables, under withTenant like every service.
//
// Staying fast with a million attempts: hours that have passed are read from hourly rollups
// (dashboard_hours), which the worker (keepRollupsUpToDate) and each overview bring up to date — an hour is rolled up once
// it is over (plus SEAL_DELAY for attempts still being recorded), and rolled up again when any of
// its deliveries changed since the last look (a retry, a cancellation: deliveries.updated_at).
// The hours still running are read from the deliveries and attempts themselves.
import type { ServiceContext } from '../context.ts';
import {
  changedDeliveryHours, deliveryBacklog, disabledEndpoints, dropRollupsBefore, endpointFailures, LATENCY_BOUNDS, livePeriods, lockRollupMarks,
  rolledUpHours, rollUpAttempts, rollUpDeliveries, rollUpDeliveryHours, saveRollupMarks, type DisabledEndpoint, type PeriodRow,
} from '../db/dashboard.ts';
import { dashboardScopesDue } from '../db/crossTenant.ts';
import { listEndpoints, type EndpointRow } from '../db/endpoints.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import type { TenantScope } from '../scope.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The overview's ranges: how many buckets of what size, the last one running now. */
export const RANGES = {
  '1h': { label: 'Last hour', bucketMs: 5 * MINUTE, buckets: 12 },
  '24h': { label: 'Last 24 hours', bucketMs: HOUR, buckets: 24 },
  '7d': { label: 'Last 7 days', bucketMs: 6 * HOUR, buckets: 28 },
  '30d': { label: 'Last 30 days', bucketMs: DAY, buckets: 30 },
} as const;
export type RangeName = keyof typeof RANGES;
export const isRange = (name: unknown): name is RangeName => typeof name === 'string' && Object.hasOwn(RANGES, name);

/** An hour is rolled up this long after it ends: attempts started in it may still be recorded (a delivery timeout is at most 2 min). */
const SEAL_DELAY_MS = 10 * MINUTE;
/** Changes committed up to this long after they were stamped are still found (a transaction's span). */
const CHANGE_SLACK_MS = 5 * MINUTE;
/** Rollups older than any range reaches are dropped. */
const ROLLUP_REACH_MS = 31 * DAY;

const floorTo = (t: number, ms: number) => Math.floor(t / ms) * ms;

export interface Bucket {
  at: Date;
  delivered: number;
  failed: number;
  /** Pending or retrying. */
  inProgress: number;
  cancelled: number;
  attempts: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Overview {
  range: RangeName;
  from: Date;
  bucketMs: number;
  buckets: Bucket[];
  /** Deliveries created in the range, by their status now. */
  totals: { pending: number; retrying: number; delivered: number; failed: number; cancelled: number; total: number };
  /** First attempts answered 2xx, of first attempts made in the range (0..1), or null without any. */
  firstAttemptSuccess: number | null;
  /** Delivered, of the deliveries created in the range that have ended delivered or failed (0..1). */
  eventualSuccess: number | null;
  latency: { p50: number | null; p95: number | null; p99: number | null; attempts: number };
  backlog: { count: number; oldestAgeMs: number | null };
  disabled: DisabledEndpoint[];
}

/**
 * The `q` quantile (0..1) of a latency histogram over LATENCY_BOUNDS, in whole milliseconds,
 * interpolated within its bucket; null for an empty histogram.
 */
export function histogramQuantile(histogram: Record<string, number>, q: number): number | null {
  const counts = Object.entries(histogram).map(([b, n]) => [Number(b), n] as const).filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  if (!total) return null;
  const rank = q * total;
  let seen = 0;
  for (const [bucket, n] of counts) {
    if (seen + n >= rank) {
      const low = bucket === 0 ? 0 : LATENCY_BOUNDS[bucket - 1];
      const high = bucket < LATENCY_BOUNDS.length ? LATENCY_BOUNDS[bucket] : low;
      return Math.round(low + (high - low) * Math.min(1, Math.max(0, (rank - seen) / n)));
    }
    seen += n;
  }
  return LATENCY_BOUNDS[LATENCY_BOUNDS.length - 1];
}

function addHistogram(into: Record<string, number>, from: Record<string, number>): void {
  for (const [b, n] of Object.entries(from)) into[b] = (into[b] ?? 0) + n;
}

const rate = (part: number, whole: number) => (whole ? part / whole : null);

/** Folds periods (hours, or smaller buckets) into the range's buckets and totals. Pure. */
export function summarize(range: RangeName, now: Date, periods: PeriodRow[], backlog: { count: number; oldest: Date | null }, disabled: DisabledEndpoint[]): Overview {
  const { bucketMs, buckets: count } = RANGES[range];
  const from = new Date(floorTo(now.getTime(), bucketMs) - (count - 1) * bucketMs);
  const buckets = Array.from({ length: count }, (_, i) => ({
    at: new Date(from.getTime() + i * bucketMs), delivered: 0, failed: 0, inProgress: 0, cancelled: 0, attempts: 0, histogram: {} as Record<string, number>,
  }));
  const totals = { pending: 0, retrying: 0, delivered: 0, failed: 0, cancelled: 0, total: 0 };
  const all: Record<string, number> = {};
  let first = 0;
  let firstOk = 0;
  let attempts = 0;
  for (const p of periods) {
    if (p.at.getTime() < from.getTime()) continue;
    // Rows stamped a little ahead of this process's clock belong to the running bucket.
    const b = buckets[Math.min(count - 1, Math.floor((p.at.getTime() - from.getTime()) / bucketMs))];
    b.delivered += p.delivered;
    b.failed += p.failed;
    b.inProgress += p.pending + p.retrying;
    b.cancelled += p.cancelled;
    b.attempts += p.attempts;
    addHistogram(b.histogram, p.latency);
    addHistogram(all, p.latency);
    for (const s of ['pending', 'retrying', 'delivered', 'failed', 'cancelled'] as const) totals[s] += p[s];
    first += p.first_attempts;
    firstOk += p.first_attempts_succeeded;
    attempts += p.attempts;
  }
  totals.total = totals.pending + totals.retrying + totals.delivered + totals.failed + totals.cancelled;
  return {
    range, from, bucketMs,
    buckets: buckets.map(({ histogram, ...b }) => ({
      ...b, p50: histogramQuantile(histogram, 0.5), p95: histogramQuantile(histogram, 0.95), p99: histogramQuantile(histogram, 0.99),
    })),
    totals,
    firstAttemptSuccess: rate(firstOk, first),
    eventualSuccess: rate(totals.delivered, totals.delivered + totals.failed),
    latency: { p50: histogramQuantile(all, 0.5), p95: histogramQuantile(all, 0.95), p99: histogramQuantile(all, 0.99), attempts },
    backlog: { count: backlog.count, oldestAgeMs: backlog.oldest ? Math.max(0, now.getTime() - backlog.oldest.getTime()) : null },
    disabled,
  };
}

/**
 * Brings the scope's hourly rollups up to date for an overview reaching back to `wantFrom` (an
 * hour), and returns the span they hold: the hours after it are read raw. One transaction at a
 * time per scope does this (the marks' row lock). It costs what changed since the last look,
 * except the first look back over a long history; `stepMs` bounds how far back one call reaches.
 */
async function bringRollupsUpToDate(tx: Tx, scope: TenantScope, wantFrom: number, now: Date, stepMs = Infinity): Promise<{ from: number; until: number }> {
  const sealedUntil = floorTo(now.getTime() - SEAL_DELAY_MS, HOUR);
  const oldest = floorTo(now.getTime() - ROLLUP_REACH_MS, HOUR);
  const marks = await lockRollupMarks(tx, scope, new Date(sealedUntil));
  const covered = { from: Math.max(marks.covered_from.getTime(), oldest), until: marks.sealed_until.getTime() };
  const rollUp = async (from: number, until: number) => {
    if (from >= until) return;
    await rollUpAttempts(tx, scope, new Date(from), new Date(until));
    await rollUpDeliveries(tx, scope, new Date(from), new Date(until));
  };
  if (covered.from < covered.until) {
    const since = new Date(marks.checked_at.getTime() - CHANGE_SLACK_MS);
    await rollUpDeliveryHours(tx, scope, await changedDeliveryHours(tx, scope, since, new Date(covered.from), new Date(covered.until)));
  } else {
    covered.from = covered.until = Math.max(covered.until, oldest);
  }
  const from = Math.max(Math.min(wantFrom, covered.from), oldest, covered.from - stepMs);
  await rollUp(from, covered.from);
  await rollUp(covered.until, sealedUntil);
  if (marks.covered_from.getTime() < oldest) await dropRollupsBefore(tx, scope, new Date(oldest));
  const until = Math.max(covered.until, sealedUntil);
  await saveRollupMarks(tx, scope, { covered_from: new Date(Math.min(from, until)), sealed_until: new Date(until), checked_at: now });
  return { from: Math.min(from, until), until };
}

/** Hours one step rolls up: each step is its own short transaction (tens of ms for a busy tenant), so an overview waits little for the marks. */
const ROLL_UP_STEP_MS = 12 * HOUR;

/** Where the 30-day range starts now: as far back as any overview reads. */
const longestFrom = (now: Date) => floorTo(now.getTime(), RANGES['30d'].bucketMs) - (RANGES['30d'].buckets - 1) * RANGES['30d'].bucketMs;

/** Brings a scope's rollups up to date back to `longest`, in steps of 12 hours. */
async function rollUpBackTo(services: ServiceContext, scope: TenantScope, longest: number): Promise<void> {
  for (let i = 0; i < 70; i++) {
    const span = await withTenant(services.pool, scope, (tx) => bringRollupsUpToDate(tx, scope, longest, services.clock.now(), ROLL_UP_STEP_MS));
    if (span.from <= longest) return;
  }
}

// Scopes whose 30-day rollups are being brought up to date in the background.
const warming = new Set<string>();

/**
 * A shorter range was viewed over rollups that do not reach 30 days back: roll the rest up now, in
 * the background, so the longer ranges are ready when they are asked for. (The worker does the
 * same for every active scope, keepRollupsUpToDate; this covers a history it has not reached yet.)
 */
function warmUpLongRanges(services: ServiceContext, scope: TenantScope, longest: number): void {
  const key = `${scope.tenantId}/${scope.mode}`;
  if (warming.has(key)) return;
  warming.add(key);
  setImmediate(() => {
    rollUpBackTo(services, scope, longest)
      .catch((err) => services.logger.warn({ err, tenant_id: scope.tenantId }, 'dashboard: rolling up 30 days in the background failed'))
      .finally(() => warming.delete(key));
  });
}

/** A busy scope is looked at by the worker this often, so an overview rolls up at most this much change itself (plus CHANGE_SLACK_MS). */
const WORKER_LOOK_EVERY_MS = 5 * MINUTE;
/** Scopes one round looks at, stalest first; the rest wait for the next round. */
const SCOPES_PER_ROUND = 500;

/**
 * One round of the worker's upkeep of the rollups (workers/housekeeping.ts): every scope with
 * deliveries in the last 31 days gets rollups reaching 30 days back, then a look every 5 minutes
 * while its deliveries change. So the first 30-day overview of a long history costs what any other
 * look costs, and the overview's own roll-up is only the last few minutes' changes. Returns how
 * many scopes it brought up to date.
 */
export async function keepRollupsUpToDate(services: ServiceContext): Promise<number> {
  const now = services.clock.now();
  const longest = longestFrom(now);
  const due = await dashboardScopesDue(services.pool, new Date(longest), new Date(now.getTime() - WORKER_LOOK_EVERY_MS), SCOPES_PER_ROUND);
  for (const row of due) await rollUpBackTo(services, { tenantId: row.tenant_id, mode: row.mode }, longest);
  return due.length;
}

export async function overview(services: ServiceContext, scope: TenantScope, range: RangeName): Promise<Overview> {
  const { pool, clock } = services;
  const now = clock.now();
  const { bucketMs, buckets } = RANGES[range];
  const from = floorTo(now.getTime(), bucketMs) - (buckets - 1) * bucketMs;
  const longest = longestFrom(now);
  let coveredFrom = longest;
  const result = await withTenant(pool, scope, async (tx) => {
    // Buckets under an hour (the last hour's) are read raw; hourly rollups cannot be cut.
    const rollups = bucketMs >= HOUR ? await bringRollupsUpToDate(tx, scope, from, now) : undefined;
    const rolledUntil = rollups?.until ?? from;
    coveredFrom = rollups?.from ?? coveredFrom;
    const rolled = rolledUntil > from ? await rolledUpHours(tx, scope, new Date(from), new Date(rolledUntil)) : [];
    const live = await livePeriods(tx, scope, new Date(Math.max(from, rolledUntil)), Math.min(bucketMs, HOUR) / 1000);
    const [backlog, disabled] = [await deliveryBacklog(tx, scope), await disabledEndpoints(tx, scope, 20)];
    return summarize(range, now, [...rolled, ...live], backlog, disabled);
  });
  if (coveredFrom > longest) warmUpLongRanges(services, scope, longest);
  return result;
}

export interface EndpointHealth {
  endpoint: EndpointRow;
  /** Attempts in the last 24 hours and how many failed. */
  attempts: number;
  failed: number;
}

/** A page of endpoints, each with its attempts and failures of the last 24 hours; up to limit + 1 rows. */
export async function endpointsWithHealth({ pool, clock }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<EndpointHealth[]> {
  return withTenant(pool, scope, async (tx) => {
    const rows = await listEndpoints(tx, scope, { limit: page.limit + 1, startingAfter: page.startingAfter });
    const failures = await endpointFailures(tx, scope, rows.map((r) => r.id), new Date(clock.now().getTime() - DAY));
    const byId = new Map(failures.map((f) => [f.endpoint_id, f]));
    return rows.map((endpoint) => ({ endpoint, attempts: byId.get(endpoint.id)?.attempts ?? 0, failed: byId.get(endpoint.id)?.failed ?? 0 }));
  });
}
