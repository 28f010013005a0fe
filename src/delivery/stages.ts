// The deliver worker's stages, each working on a batch of attempts:
//   claim and load  (one transaction) claim due attempts from the queue and read, scope by scope
//                   under row-level security, each delivery with its endpoint, event and signing
//                   secrets; attempts with nothing to do are completed, those to a paused
//                   endpoint deferred, those to a rate-limited one given their send slots;
//   send            one signed request per attempt through the guarded client, no transaction held;
//   record          (one transaction, a group commit) the attempts, the deliveries' next states,
//                   the endpoints' failure streaks, pauses and disables, the next attempts' jobs
//                   (retries, and the deliveries their flows release), and the claims' completion;
//   requeue         an overdue attempt whose job was lost, for the sweeper.
import type { ServiceContext } from '../context.ts';
import { recordAttempts, type AttemptRecord } from '../db/attempts.ts';
import { cancelDeliveries, findDelivery, loadAttemptContexts, type AttemptContext, type DeliveryStatus, type Flow } from '../db/deliveries.ts';
import { noteEndpointOutcomes, pauseEndpoints, takeSendSlots } from '../db/endpoints.ts';
import type { Tx } from '../db/pool.ts';
import { pinScope, withTenant, workerTransaction } from '../db/tenant.ts';
import { newId } from '../ids.ts';
import type { StoredEvent } from '../presenters/events.ts';
import type { DeliverJob, EndpointAttempt, HeldAttempt } from '../queue/index.ts';
import type { Mode, TenantScope } from '../scope.ts';
import { disableAutomatically } from '../services/endpoints.ts';
import { releaseFlows } from '../services/flows.ts';
import { classify, type Outcome } from './classify.ts';
import type { GuardedClient, HttpResult } from './client.ts';
import { buildWebhookRequest } from './request.ts';
import { parseRetryAfter } from './retry.ts';
import type { SecretCache } from './secrets.ts';

/** An attempt ready to send: its claim, where it goes, what it carries and what signs it. */
export interface LoadedAttempt {
  held: HeldAttempt;
  /** Its endpoint's flow (services/flows.ts). */
  flow: string;
  url: string;
  event: StoredEvent;
  /** In clear, current first. */
  secrets: string[];
  /** The endpoint's rate limit (attempts per second), if it has one... */
  rateLimit: number | null;
  /** ...and then the send slot this attempt took: it may not start before (a clock instant). */
  notBefore: Date | null;
}

export interface ClaimedBatch {
  /** How many attempts were claimed (ready to send, or done already). */
  claimed: number;
  ready: LoadedAttempt[];
}

/**
 * Attempts grouped by the scope they run under; each scope's statements run with it pinned. In
 * scope order, so that concurrent transactions spanning several scopes lock their rows in the
 * same order (group commits of several workers deadlocked otherwise: found by the soak).
 */
function byScope<T extends DeliverJob>(items: T[]): Map<string, { scope: TenantScope; items: T[] }> {
  const groups = new Map<string, { scope: TenantScope; items: T[] }>();
  for (const item of [...items].sort((a, b) => (a.tenant_id < b.tenant_id ? -1 : a.tenant_id > b.tenant_id ? 1 : a.mode < b.mode ? -1 : a.mode > b.mode ? 1 : 0))) {
    const key = `${item.tenant_id}/${item.mode}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { scope: { tenantId: item.tenant_id, mode: item.mode }, items: [] }));
    group.items.push(item);
  }
  return groups;
}

const WAITING: readonly DeliveryStatus[] = ['pending', 'retrying'];

/**
 * Claims up to `limit` due attempts (none to the endpoints of `ignoreEndpoints`) and loads them.
 * A delivery whose endpoint is disabled or deleted by now is cancelled instead. Claims with
 * nothing to send (the attempt was already made, the delivery ended or was cancelled now) are
 * completed in the same transaction: a manual retry committed right after must find no live job
 * of the attempt, or it would wait for one that is never sent. Rolled back as a whole on any
 * error, claims included.
 */
export async function claimAndLoad(
  { pool, queue, config, clock }: ServiceContext, secrets: SecretCache, limit: number, ignoreEndpoints: string[],
): Promise<ClaimedBatch> {
  return workerTransaction(pool, async (tx) => {
    const held = await queue.fetch(tx, limit, ignoreEndpoints);
    const batch: ClaimedBatch = { claimed: held.length, ready: [] };
    const done: HeldAttempt[] = [];
    const deferred: Array<{ held: HeldAttempt; until: Date }> = [];
    const now = clock.now();
    for (const { scope, items } of byScope(held).values()) {
      await pinScope(tx, scope);
      const contexts = new Map((await loadAttemptContexts(tx, scope, items.map((h) => h.delivery_id), now)).map((c) => [c.delivery_id, c]));
      const cancel: Record<string, string[]> = {};
      const ready: LoadedAttempt[] = [];
      for (const h of items) {
        const c = contexts.get(h.delivery_id);
        if (!c || c.attempt_count !== h.attempt - 1 || !WAITING.includes(c.status)) {
          done.push(h);
          continue;
        }
        const why = c.url === null ? 'endpoint deleted' : !c.enabled ? 'endpoint disabled' : !c.secrets ? 'endpoint has no signing secret' : undefined;
        if (why) {
          (cancel[why] ??= []).push(h.delivery_id);
          done.push(h);
          continue;
        }
        // A paused endpoint (a 429 or 503 with Retry-After): back to the queue until then, no attempt made.
        if (c.paused_until && c.paused_until > now) {
          deferred.push({ held: h, until: c.paused_until });
          continue;
        }
        ready.push({
          held: h, flow: c.flow, url: c.url!, event: storedEvent(c, scope), rateLimit: c.rate_limit, notBefore: null,
          secrets: c.secrets.split(',').map((s) => secrets.open(config.encryptionKey, { tenantId: scope.tenantId, endpointId: c.endpoint_id }, s)),
        });
      }
      for (const [reason, ids] of Object.entries(cancel)) await cancelDeliveries(tx, scope, ids, reason);
      batch.ready.push(...ready);
    }
    await queue.complete(tx, done);
    await queue.defer(tx, deferred);
    return batch;
  });
}

/**
 * The rate-limited endpoints' attempts a worker keeps take their send slots, shared by all worker
 * processes (endpoint_pacing), and learn when they may start. Only those kept: a slot taken by a
 * claim that is given back would be lost (a worker at its tenant's hold limit gives claims back,
 * and lost slots held a 50/s endpoint near 45/s).
 */
export async function takeSlots({ pool, clock }: ServiceContext, kept: LoadedAttempt[]): Promise<void> {
  const paced = kept.filter((r) => r.rateLimit !== null);
  if (!paced.length) return;
  const now = clock.now();
  await workerTransaction(pool, async (tx) => {
    for (const { scope, items } of sortedScopes(byScope(paced.map((loaded) => ({ ...loaded.held, loaded }))))) {
      await pinScope(tx, scope);
      const byEndpoint = new Map<string, LoadedAttempt[]>();
      for (const { loaded } of items) byEndpoint.set(loaded.held.endpointId, [...(byEndpoint.get(loaded.held.endpointId) ?? []), loaded]);
      const takes = [...byEndpoint].map(([endpointId, list]) => ({ endpointId, count: list.length, rate: list[0].rateLimit! }));
      const firsts = await takeSendSlots(tx, scope, takes, now);
      for (const [endpointId, list] of byEndpoint) {
        const first = firsts.get(endpointId)!.getTime();
        list.forEach((r, i) => (r.notBefore = new Date(first + (i * 1000) / r.rateLimit!)));
      }
    }
  });
}

function storedEvent(c: AttemptContext, scope: TenantScope): StoredEvent {
  return {
    id: c.event_id, type: c.event_type, tenant_id: scope.tenantId, mode: scope.mode, created_at: c.event_created_at,
    data: c.event_data, previous_attributes: c.event_previous_attributes,
  };
}

export interface SentAttempt {
  held: HeldAttempt;
  flow: string;
  startedAt: Date;
  result: HttpResult;
  /** What the result means for the delivery, before the endpoint's failure streak is counted. */
  outcome: Outcome;
  /** A 429 or 503 with Retry-After pauses the whole endpoint until then. */
  pauseUntil: Date | null;
}

/** Signs and posts one webhook; the receiver's answer (or the failure to get one) is data. */
export async function sendAttempt({ config, clock }: ServiceContext, client: GuardedClient, loaded: LoadedAttempt): Promise<SentAttempt> {
  const startedAt = clock.now();
  const request = buildWebhookRequest(loaded.event, loaded.secrets, loaded.held.attempt, startedAt);
  const result = await client.post(loaded.url, request.headers, request.body);
  const now = clock.now().getTime();
  const outcome = classify(result, loaded.held.attempt, { scheduleMs: config.retryScheduleMs, now });
  const pause = result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfter(result.headers['retry-after'], now) : undefined;
  return { held: loaded.held, flow: loaded.flow, startedAt, result, outcome, pauseUntil: pause ? new Date(now + pause) : null };
}

/** An attempt as it was recorded; `outcome` undefined when it was already on record (a redone job). */
export interface RecordedAttempt {
  sent: SentAttempt;
  outcome?: Outcome;
}

const STATUS_AFTER: Record<Outcome['kind'], DeliveryStatus> = { delivered: 'delivered', retry: 'retrying', failed: 'failed', disable: 'failed' };

/**
 * Records a batch of sent attempts and completes their claims, in one transaction. Per scope: the endpoints' failure streaks first (their rows are locked before any
 * delivery's, as everywhere), then the attempts and the deliveries' moves in one statement, then
 * any automatic disable. The next attempts' jobs and the claims' completion follow for the whole
 * batch. A failed attempt becomes the endpoint's disable once its streak has lasted
 * HERALD_DISABLE_AFTER.
 */
export async function recordBatch(services: ServiceContext, sent: SentAttempt[]): Promise<RecordedAttempt[]> {
  const { pool, queue, config, clock } = services;
  return workerTransaction(pool, async (tx) => {
    const recorded: RecordedAttempt[] = [];
    const next: Array<EndpointAttempt & { startAfter?: Date }> = [];
    const again = (held: HeldAttempt, at: Date): EndpointAttempt & { startAfter: Date } => ({
      tenant_id: held.tenant_id, mode: held.mode, delivery_id: held.delivery_id, endpointId: held.endpointId, attempt: held.attempt + 1, startAfter: at,
    });
    for (const { scope, items } of sortedScopes(byScope(sent.map((s) => ({ ...s.held, sent: s }))))) {
      await pinScope(tx, scope);
      const outcomes = await streakOutcomes(tx, scope, items.map((i) => i.sent), config.disableAfterMs);
      const records: AttemptRecord[] = items.map(({ sent: s }) => {
        const outcome = outcomes.get(s)!;
        return {
          id: newId('attempt'), deliveryId: s.held.delivery_id, endpointId: s.held.endpointId, number: s.held.attempt,
          startedAt: s.startedAt, durationMs: s.result.durationMs, statusCode: s.result.statusCode,
          responseHeaders: s.result.error ? null : s.result.headers, responseBody: s.result.error ? null : s.result.body,
          errorKind: s.result.error?.kind ?? null, errorMessage: s.result.error?.message ?? null,
          status: STATUS_AFTER[outcome.kind], nextAttemptAt: outcome.kind === 'retry' ? outcome.at : null,
          reason: outcome.kind === 'failed' || outcome.kind === 'disable' ? outcome.reason : null,
        };
      });
      const moved = await recordAttempts(tx, scope, records);
      await pauseEndpoints(tx, scope, pausesOf(items.map((i) => i.sent)));
      const disabled = new Set<string>();
      const ended: Flow[] = [];
      for (const { sent: s } of items) {
        if (!moved.has(s.held.delivery_id)) {
          recorded.push({ sent: s });
          continue;
        }
        const outcome = outcomes.get(s)!;
        recorded.push({ sent: s, outcome });
        if (!moved.get(s.held.delivery_id)) continue; // cancelled meanwhile: the attempt stays on record
        if (outcome.kind === 'retry') next.push(again(s.held, outcome.at));
        else ended.push({ endpointId: s.held.endpointId, flow: s.flow });
        if (outcome.kind === 'disable' && !disabled.has(s.held.endpointId)) {
          disabled.add(s.held.endpointId);
          await disableAutomatically(tx, scope, s.held.endpointId, outcome.reason);
        }
      }
      // Deliveries that ended make room in their flows: the next ones waiting go now. (A disabled
      // endpoint's have been cancelled by now and wait no more.)
      next.push(...await releaseFlows(tx, scope, config, ended, clock.now()));
    }
    await queue.enqueueAttempts(tx, next);
    await queue.complete(tx, sent.map((s) => s.held));
    return recorded;
  });
}

/** Scopes in one order everywhere: the flows' locks are taken in that order (db/deliveries.ts lockFlows). */
function sortedScopes<T>(groups: Map<string, T>): T[] {
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => g);
}

/** The latest pause each endpoint's answers asked for (429 or 503 with Retry-After). */
export function pausesOf(sent: SentAttempt[]): Array<{ id: string; until: Date }> {
  const until = new Map<string, Date>();
  for (const s of sent) {
    const prior = until.get(s.held.endpointId);
    if (s.pauseUntil && (!prior || prior < s.pauseUntil)) until.set(s.held.endpointId, s.pauseUntil);
  }
  return [...until].map(([id, at]) => ({ id, until: at }));
}

/**
 * Each attempt's outcome once its endpoint's failure streak is counted. Per endpoint, in the
 * order the attempts started: a delivered one ends the streak; a failure after the last delivered
 * one in this batch (or in a batch of failures only) starts the streak unless one runs, and turns
 * into a disable once the streak has lasted `disableAfterMs`.
 */
async function streakOutcomes(tx: Tx, scope: TenantScope, sent: SentAttempt[], disableAfterMs: number): Promise<Map<SentAttempt, Outcome>> {
  const byEndpoint = new Map<string, SentAttempt[]>();
  for (const s of sent) {
    const list = byEndpoint.get(s.held.endpointId) ?? [];
    list.push(s);
    byEndpoint.set(s.held.endpointId, list);
  }
  const notes: Array<{ id: string; failedAt: Date | null; restart: boolean }> = [];
  const trailing = new Map<string, SentAttempt[]>();
  for (const [endpointId, list] of byEndpoint) {
    list.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    const lastDelivered = list.findLastIndex((s) => s.outcome.kind === 'delivered');
    const failures = list.slice(lastDelivered + 1).filter((s) => s.outcome.kind === 'retry' || s.outcome.kind === 'failed');
    trailing.set(endpointId, failures);
    if (list.at(-1)!.outcome.kind === 'delivered') notes.push({ id: endpointId, failedAt: null, restart: false });
    else if (failures.length) notes.push({ id: endpointId, failedAt: failures[0].startedAt, restart: lastDelivered >= 0 });
  }
  const since = notes.length ? await noteEndpointOutcomes(tx, scope, notes) : new Map<string, Date>();
  const outcomes = new Map<SentAttempt, Outcome>(sent.map((s) => [s, s.outcome]));
  for (const [endpointId, failures] of trailing) {
    const start = since.get(endpointId);
    if (!start) continue;
    for (const s of failures) {
      if (s.startedAt.getTime() - start.getTime() < disableAfterMs) continue;
      const reason = s.outcome.kind === 'retry' || s.outcome.kind === 'failed' ? s.outcome.reason : '';
      outcomes.set(s, { kind: 'disable', reason: `failing continuously since ${start.toISOString()} (last: ${reason})` });
    }
  }
  return outcomes;
}

/**
 * Puts an overdue attempt whose job was lost (the database was down through all of pg-boss's
 * retries) back on the queue, under its deterministic job id. False when, checked again under
 * the delivery's lock, the attempt is no longer due or still has a live job.
 */
export async function requeueOverdue({ pool, queue }: ServiceContext, job: DeliverJob): Promise<boolean> {
  const scope: TenantScope = { tenantId: job.tenant_id, mode: job.mode as Mode };
  return withTenant(pool, scope, async (tx) => {
    const delivery = await findDelivery(tx, scope, job.delivery_id, true);
    if (!delivery || !WAITING.includes(delivery.status) || delivery.attempt_count !== job.attempt - 1) return false;
    return queue.queueAttemptNow(tx, { ...job, endpointId: delivery.endpoint_id });
  });
}
