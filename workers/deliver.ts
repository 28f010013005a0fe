// The deliver worker: a pipeline over the stages of src/delivery/stages.ts, working in batches.
//
//   claim and load ──► per-endpoint waiting lines ──► send (concurrently) ──► record (group commit)
//
// - One loop claims up to BATCH due attempts at a time, with everything they need, whenever this
//   process holds fewer than its limit; it skips endpoints whose line is full, so a slow or hanging
//   endpoint holds back neither the rest of a batch nor the next claim. It sleeps when the queue
//   is empty until pg-boss NOTIFYs new work, a retry this process scheduled comes due, or a poll.
// - Each endpoint sends at most HERALD_ENDPOINT_CONCURRENCY requests at once, each tenant at most
//   HERALD_TENANT_CONCURRENCY, and the process at most `concurrency`; the rest wait in their
//   endpoint's line (in memory, their claims held). A tenant holds at most twice its concurrency in
//   claims: beyond that its endpoints are skipped by the claim, and claims of it that arrive anyway
//   are given back at once, so one tenant's backlog or slow endpoints leave room for the others.
// - A rate-limited endpoint's attempts start at their send slots (taken when claimed), and its line
//   holds about two seconds of them. A 429 or 503 with Retry-After pauses the endpoint: its claims
//   waiting here go back to the queue until then.
// - Finished attempts are recorded together: one transaction for whatever finished while the
//   previous one was committing (group commit), which also completes their claims.
// - Every few seconds one statement heartbeats every claim held; a claim held too long unsent is
//   given back to the queue. A killed worker's claims stop heartbeating and are reclaimed by the
//   sweeper within seconds; an attempt already on record is never recorded twice.
import type { ServiceContext } from '../src/context.ts';
import { createGuardedClient } from '../src/delivery/client.ts';
import { SecretCache } from '../src/delivery/secrets.ts';
import { claimAndLoad, pausesOf, recordBatch, sendAttempt, takeSlots, type LoadedAttempt, type SentAttempt } from '../src/delivery/stages.ts';
import { logFailure } from '../src/logger.ts';
import { attemptDuration, deliveryAttempts } from '../src/metrics.ts';
import type { HeldAttempt } from '../src/queue/index.ts';

export interface DelivererOptions {
  /** Requests in flight at once in this process. */
  concurrency?: number;
  /** Bound on one request (connect, send, response, body). */
  timeoutMs?: number;
}

export interface Deliverer {
  /** Claims no more, gives back what was not started, lets requests in flight finish (at most graceMs) and records them. */
  stop(graceMs: number): Promise<void>;
}

/** Attempts claimed per batch. */
const BATCH = 100;
const DEFAULT_CONCURRENCY = 256;
/** An endpoint's line holds this many times its concurrency: enough to keep it busy between claims. */
const LINE_FACTOR = 4;
/** Poll this often while the queue is empty (NOTIFY covers work due now; this covers work that comes due later elsewhere). */
const IDLE_POLL_MS = 1_000;
/** Scheduled retries due sooner than this get an in-process wake-up; later ones the poll finds. */
const WAKE_WITHIN_MS = 10 * 60_000;
/** Heartbeat every held claim this often (the queue reclaims a claim after 10 s without one). */
const TOUCH_EVERY_MS = 3_000;
/** A claim waiting in a line longer than this goes back to the queue, well inside the queue's expiry (src/queue). */
const MAX_WAIT_MS = 60_000;
/** A failed claim or record is tried again after this long. */
const BACKOFF_MS = 1_000;

interface Line {
  tenantId: string;
  /** The endpoint's rate limit as last loaded (attempts per second), or null. */
  rateLimit: number | null;
  inFlight: number;
  waiting: Array<LoadedAttempt & { since: number }>;
  /**
   * A 429 or 503 with Retry-After just paused the endpoint: nothing of it starts, or joins its
   * line, before this (clock ms). Short: it covers the moments until the pause is recorded and
   * seen by every claim; the pause itself lives in the database.
   */
  holdUntil: number;
}

/** One tenant's share of this process. */
interface TenantLoad {
  held: number;
  sending: number;
  /** Its endpoints whose claims were given back while it was at its limit: skipped until it is not. */
  skipped: Set<string>;
}

/** How long a line stays held after its endpoint asked for a pause (at most the pause). */
const PAUSE_HOLD_MS = 2_000;
/** A rate-limited endpoint's line holds this many seconds of its send slots. */
const PACED_LINE_SECONDS = 2;

export async function startDeliverer(services: ServiceContext, options: DelivererOptions = {}): Promise<Deliverer> {
  const { config, queue, logger, clock } = services;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const lineLimit = config.endpointConcurrency * LINE_FACTOR;
  const maxHeld = Math.max(concurrency * 2, BATCH * 2);
  const tenantHoldLimit = config.tenantConcurrency * 2;
  const client = createGuardedClient({
    allow: config.allowPrivateNetworks, production: config.production, timeoutMs: options.timeoutMs ?? config.deliveryTimeoutMs,
  });
  const secrets = new SecretCache();

  /** Every claim in hand, by job id: waiting, sending, or finished and not yet recorded. */
  const held = new Map<string, HeldAttempt>();
  const lines = new Map<string, Line>();
  const tenants = new Map<string, TenantLoad>();
  let sending = 0;
  const finished: SentAttempt[] = [];
  let recording: Promise<void> | undefined;
  let stopping = false;

  // ── waking the claim loop ──
  let wakeUp: (() => void) | undefined;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (woken) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wakeUp = undefined;
      resolve();
    }
    wakeUp = done;
  });
  const wakeTimers = new Set<NodeJS.Timeout>();
  function wakeAt(at: Date): void {
    const delay = at.getTime() - clock.now().getTime();
    if (delay > WAKE_WITHIN_MS) return;
    const timer = setTimeout(() => {
      wakeTimers.delete(timer);
      wake();
    }, Math.max(0, delay));
    wakeTimers.add(timer);
  }

  // ── claims in hand, per tenant ──
  const tenantOf = (tenantId: string): TenantLoad => {
    let load = tenants.get(tenantId);
    if (!load) tenants.set(tenantId, (load = { held: 0, sending: 0, skipped: new Set() }));
    return load;
  };
  function hold(h: HeldAttempt): void {
    held.set(h.claim.id, h);
    tenantOf(h.tenant_id).held++;
  }
  function drop(h: HeldAttempt): void {
    if (!held.delete(h.claim.id)) return;
    const load = tenants.get(h.tenant_id)!;
    if (--load.held === 0) tenants.delete(h.tenant_id);
  }

  // ── sending ──
  const lineOf = (loaded: LoadedAttempt): Line => {
    let line = lines.get(loaded.held.endpointId);
    if (!line) lines.set(loaded.held.endpointId, (line = { tenantId: loaded.held.tenant_id, rateLimit: null, inFlight: 0, waiting: [], holdUntil: 0 }));
    line.rateLimit = loaded.rateLimit;
    return line;
  };
  const lineFull = (line: Line) =>
    line.inFlight + line.waiting.length >= (line.rateLimit === null ? lineLimit : Math.min(lineLimit, Math.ceil(line.rateLimit * PACED_LINE_SECONDS)));

  let pumpTimer: NodeJS.Timeout | undefined;
  let pumpAt = Infinity;
  /** Runs the pump again at `at` (a clock instant in ms), when a send slot comes. */
  function pumpLater(at: number): void {
    if (at >= pumpAt) return;
    clearTimeout(pumpTimer);
    pumpAt = at;
    pumpTimer = setTimeout(() => {
      pumpAt = Infinity;
      pump();
    }, Math.max(0, at - clock.now().getTime()));
  }

  /**
   * Starts whatever may start now: each endpoint up to its concurrency (and its send slots), each
   * tenant up to its own, the process up to its own.
   */
  function pump(): void {
    const now = clock.now().getTime();
    for (const [endpointId, line] of lines) {
      if (line.holdUntil > now) {
        pumpLater(line.holdUntil);
        continue;
      }
      const load = tenants.get(line.tenantId);
      while (line.waiting.length && line.inFlight < config.endpointConcurrency && sending < concurrency && load && load.sending < config.tenantConcurrency) {
        const slot = line.waiting[0].notBefore?.getTime() ?? 0;
        if (slot > now) {
          pumpLater(slot);
          break;
        }
        const loaded = line.waiting.shift()!;
        line.inFlight++;
        load.sending++;
        sending++;
        void send(loaded, line, load);
      }
      if (!line.waiting.length && !line.inFlight && line.holdUntil <= now) lines.delete(endpointId);
      if (sending >= concurrency) return;
    }
  }

  async function send(loaded: LoadedAttempt, line: Line, load: TenantLoad): Promise<void> {
    try {
      const sent = await sendAttempt(services, client, loaded);
      if (sent.pauseUntil) line.holdUntil = Math.min(sent.pauseUntil.getTime(), clock.now().getTime() + PAUSE_HOLD_MS);
      finished.push(sent);
    } catch (err) {
      // sendAttempt turns every network outcome into data; this is a bug. The claim stays held
      // unsent and goes back to the queue at shutdown, or is reclaimed once its heartbeat stops.
      logger.error({ err, tenant_id: loaded.held.tenant_id, delivery_id: loaded.held.delivery_id }, 'delivery attempt failed unexpectedly');
      drop(loaded.held);
    } finally {
      line.inFlight--;
      load.sending--;
      sending--;
      record();
      pump();
    }
  }

  /** A 429 or 503 with Retry-After: the endpoint's claims waiting here go back to the queue until then. */
  async function pause(endpointId: string, until: Date): Promise<void> {
    const line = lines.get(endpointId);
    if (!line?.waiting.length) return;
    const deferred = line.waiting.splice(0).map((w) => ({ held: w.held, until }));
    try {
      await queue.defer(services.pool, deferred);
    } catch (err) {
      logger.warn({ err }, 'could not defer a paused endpoint\'s claims; they are reclaimed by heartbeat');
    }
    for (const d of deferred) drop(d.held);
  }

  // ── recording (group commit) ──
  function record(): void {
    if (recording || !finished.length) return;
    const sent = finished.splice(0);
    recording = (async () => {
      try {
        const recorded = await recordBatch(services, sent);
        for (const r of recorded) report(r.sent, r.outcome);
        for (const s of sent) drop(s.held);
        for (const p of pausesOf(sent)) await pause(p.id, p.until);
        wake(); // room for more
      } catch (err) {
        logFailure(logger, err, 'recording attempts failed; retrying');
        finished.unshift(...sent);
        await new Promise((r) => setTimeout(r, BACKOFF_MS));
      }
    })().finally(() => {
      recording = undefined;
      record(); // whatever finished meanwhile
    });
  }

  function report(sent: SentAttempt, outcome: SentAttempt['outcome'] | undefined): void {
    if (!outcome) return; // already on record: a redone claim
    const { held: h, result } = sent;
    deliveryAttempts.inc({ outcome: outcome.kind });
    attemptDuration.observe({ outcome: outcome.kind }, result.durationMs / 1000);
    logger.info({
      msg: 'delivery.attempted', tenant_id: h.tenant_id, mode: h.mode, delivery_id: h.delivery_id,
      endpoint_id: h.endpointId, attempt: h.attempt, outcome: outcome.kind, status_code: result.statusCode,
      duration_ms: result.durationMs, ...('reason' in outcome ? { reason: outcome.reason } : {}),
      ...(outcome.kind === 'retry' ? { next_attempt_at: outcome.at.toISOString() } : {}),
    });
    if (outcome.kind === 'retry') wakeAt(outcome.at);
  }

  // ── claiming ──
  async function claimLoop(): Promise<void> {
    while (!stopping) {
      woken = false;
      const room = Math.min(BATCH, maxHeld - held.size);
      if (room < BATCH / 4) {
        await sleep(IDLE_POLL_MS);
        continue;
      }
      let batch;
      try {
        batch = await claimAndLoad(services, secrets, room, skippedEndpoints());
      } catch (err) {
        logFailure(logger, err, 'claiming attempts failed; retrying');
        await sleep(BACKOFF_MS);
        continue;
      }
      const now = Date.now();
      const giveBack: LoadedAttempt[] = [];
      const deferred: Array<{ held: HeldAttempt; until: Date }> = [];
      const kept: LoadedAttempt[] = [];
      for (const loaded of batch.ready) {
        const { tenant_id: tenantId, endpointId } = loaded.held;
        const holdUntil = lines.get(endpointId)?.holdUntil ?? 0;
        if (holdUntil > clock.now().getTime()) {
          deferred.push({ held: loaded.held, until: new Date(holdUntil) });
          continue;
        }
        const load = tenantOf(tenantId);
        if (load.held >= tenantHoldLimit) {
          load.skipped.add(endpointId);
          giveBack.push(loaded);
          continue;
        }
        hold(loaded.held);
        kept.push(loaded);
      }
      try {
        await takeSlots(services, kept);
      } catch (err) {
        // No slots, no sending: the paced claims go back to the queue like those over a limit.
        logFailure(logger, err, 'taking send slots failed; the claims go back to the queue');
        for (const loaded of kept.filter((l) => l.rateLimit !== null)) {
          drop(loaded.held);
          giveBack.push(loaded);
        }
      }
      for (const loaded of kept) if (loaded.rateLimit === null || loaded.notBefore) lineOf(loaded).waiting.push({ ...loaded, since: now });
      pump();
      try {
        await queue.release(giveBack.map((l) => l.held));
        await queue.defer(services.pool, deferred);
      } catch (err) {
        logger.warn({ err }, 'could not give back claims; they are reclaimed by heartbeat');
      }
      if (batch.claimed === 0) await sleep(IDLE_POLL_MS);
    }
  }

  /** Endpoints the claim skips: their line is full, or their tenant holds its limit. */
  function skippedEndpoints(): string[] {
    const skipped = new Set<string>();
    const now = clock.now().getTime();
    for (const [endpointId, line] of lines) {
      if (lineFull(line) || line.holdUntil > now || (tenants.get(line.tenantId)?.held ?? 0) >= tenantHoldLimit) skipped.add(endpointId);
    }
    for (const load of tenants.values()) {
      if (load.held < tenantHoldLimit) load.skipped.clear();
      for (const endpointId of load.skipped) skipped.add(endpointId);
    }
    return [...skipped];
  }

  // ── heartbeats and stale claims ──
  async function heartbeat(): Promise<void> {
    const now = Date.now();
    const stale: HeldAttempt[] = [];
    for (const line of lines.values()) {
      while (line.waiting.length && now - line.waiting[0].since > MAX_WAIT_MS) stale.push(line.waiting.shift()!.held);
    }
    if (stale.length) {
      await queue.release(stale);
      for (const h of stale) drop(h);
    }
    const lapsed = await queue.touch([...held.values()]);
    // Claims recorded while the touch ran are done, not lapsed.
    for (const id of lapsed) if (!held.has(id)) lapsed.delete(id);
    if (!lapsed.size) return;
    // Another worker may hold these now: drop the ones not yet sent (the others' records are fenced).
    for (const line of lines.values()) {
      for (const w of line.waiting) if (lapsed.has(w.held.claim.id)) drop(w.held);
      line.waiting = line.waiting.filter((w) => !lapsed.has(w.held.claim.id));
    }
    logger.warn({ count: lapsed.size }, 'claims lapsed before they were recorded');
  }
  let touching: Promise<void> | undefined;
  const heartbeatTimer = setInterval(() => {
    if (touching) return;
    touching = heartbeat().catch((err) => logFailure(logger, err, 'heartbeat failed')).finally(() => (touching = undefined));
  }, TOUCH_EVERY_MS);

  const listener = queue.listen(wake, logger);
  const claiming = claimLoop();

  return {
    async stop(graceMs) {
      stopping = true;
      wake();
      listener.close();
      await claiming;
      for (const t of wakeTimers) clearTimeout(t);
      clearTimeout(pumpTimer);
      // Not started: back to the queue now, for another worker.
      const unsent = [...lines.values()].flatMap((line) => line.waiting.splice(0).map((w) => w.held));
      await queue.release(unsent).catch((err) => logger.warn({ err }, 'could not give back unsent claims; they are reclaimed by heartbeat'));
      for (const h of unsent) drop(h);
      const deadline = Date.now() + graceMs;
      while ((sending || recording || finished.length) && Date.now() < deadline) {
        record();
        await new Promise((r) => setTimeout(r, 20));
      }
      clearInterval(heartbeatTimer);
      await touching;
      await client.close();
    },
  };
}
