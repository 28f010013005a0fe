// The whole delivery path in-process on a fresh database: the API (with a job queue for
// retries), the dispatcher and the deliver worker, each with its own configuration so tests can
// register under one address policy and deliver under another.
import type { TestFn } from 'ava';
import type { Config } from '../../src/config.ts';
import type { ServiceContext } from '../../src/context.ts';
import type { Logger } from '../../src/logger.ts';
import { Queue } from '../../src/queue/index.ts';
import { startDeliverer, type Deliverer } from '../../workers/deliver.ts';
import { startDispatcher, type Dispatcher } from '../../workers/dispatch.ts';
import { startApi, testConfig, type TestApi } from './api.ts';
import { receiverPool } from './receiver.ts';

export const LOOPBACK = '127.0.0.0/8,::1/128';
export const FAST_RETRIES = '50ms,100ms,200ms';

export interface DeliveryStack {
  api: TestApi;
  /** The worker's services: its own configuration and queue; the API's pool and clock. */
  worker: ServiceContext;
  workerConfig: Config;
  close(): Promise<void>;
}

export async function startDeliveryStack(options: {
  api?: Record<string, string>;
  worker?: Record<string, string>;
  timeoutMs?: number;
  /** The deliver worker's slots (attempts in flight at once). */
  concurrency?: number;
  /** Where the API and the worker log. */
  logger?: Logger;
} = {}): Promise<DeliveryStack> {
  const api = await startApi({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK, HERALD_RETRY_SCHEDULE: FAST_RETRIES, ...options.api }, { logger: options.logger });
  const { logger, clock } = api.services;
  const queue = new Queue({ databaseUrl: api.db.runtimeUrl, role: 'worker', pool: api.db.app, clock, logger });
  await queue.start();
  const workerConfig: Config = {
    ...testConfig({ HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK, HERALD_RETRY_SCHEDULE: FAST_RETRIES, ...options.worker }),
    encryptionKey: api.services.config.encryptionKey,
  };
  const worker: ServiceContext = { config: workerConfig, pool: api.db.app, queue, clock, logger };
  const deliverer: Deliverer = await startDeliverer(worker, { timeoutMs: options.timeoutMs ?? 10_000, concurrency: options.concurrency ?? 4 });
  const dispatcher: Dispatcher = startDispatcher(worker);
  return {
    api, worker, workerConfig,
    async close() {
      await dispatcher.stop();
      await deliverer.stop(1_000);
      await queue.stop({ graceful: false, timeoutMs: 1_000 });
      await api.close();
    },
  };
}

/** A test file's delivery stack and receivers: started before its tests, closed after them. */
export function useDeliveryStack(test: TestFn, options: Parameters<typeof startDeliveryStack>[0] = {}) {
  const receivers = receiverPool();
  let stack: DeliveryStack | undefined;
  test.before(async () => { stack = await startDeliveryStack(options); });
  test.after.always(async () => {
    await receivers.closeAll();
    await stack?.close();
  });
  return { stack: () => stack!, newReceiver: receivers.start };
}

/** Registers an endpoint and reads its secret. */
export async function registerEndpoint(api: TestApi, token: string, body: Record<string, unknown>) {
  const created = await api.request('POST', '/v1/webhook-endpoints', { token, body });
  if (created.status !== 201) throw new Error(`create endpoint: ${created.status} ${JSON.stringify(created.body)}`);
  const secret = await api.request('GET', `/v1/webhook-endpoints/${created.body.id}/secret`, { token });
  return { ...created.body, secret: secret.body.secret as string };
}

/** A custom event through the public API. */
export async function emit(api: TestApi, token: string, type: string, data: Record<string, unknown> = {}) {
  const res = await api.request('POST', '/v1/events', { token, body: { type, data } });
  if (res.status !== 201) throw new Error(`emit ${type}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls a delivery (with attempts) until `done` holds for it. */
export async function waitForDelivery(api: TestApi, token: string, id: string, done: (d: any) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.request('GET', `/v1/deliveries/${id}`, { token });
    if (res.status === 200 && done(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`delivery ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The deliveries of one event (waits until there are `count`). */
export async function deliveriesOf(api: TestApi, token: string, eventId: string, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.request('GET', `/v1/deliveries?event_id=${eventId}`, { token });
    if (res.status === 200 && res.body.data.length >= count) return res.body.data as any[];
    if (Date.now() > deadline) throw new Error(`event ${eventId}: expected ${count} deliveries, got ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the dispatcher has taken these events from the outbox (so whatever it would deliver exists). */
export async function dispatched(api: TestApi, eventIds: string[], timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await api.db.owner.query('select 1 from outbox where event_id = any($1::text[])', [eventIds])).rowCount) {
    if (Date.now() > deadline) throw new Error(`${eventIds} were not dispatched in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A job is deleted once its attempt is recorded, so a test that counts jobs notes each one as it
 * is inserted (pg-boss also deletes and re-inserts a job it retries): a trigger of the test's own
 * database, kept in `jobs_seen`. Returns a reader of one delivery's notes, oldest first.
 */
export async function noteJobInserts(api: TestApi) {
  await api.db.owner.query(`
    create table if not exists jobs_seen (seen serial, id uuid, group_id text, data jsonb);
    create or replace function note_job() returns trigger language plpgsql security definer as $$
      begin insert into jobs_seen (id, group_id, data) values (new.id, new.group_id, new.data); return null; end $$;
    drop trigger if exists note_job on pgboss.job;
    create trigger note_job after insert on pgboss.job for each row execute function note_job();`);
  return async (deliveryId: string) => (await api.db.owner.query(
    `select id::text, group_id, data->>'attempt' as attempt from jobs_seen where data->>'delivery_id' = $1 order by seen`, [deliveryId])).rows as
    Array<{ id: string; group_id: string; attempt: string }>;
}
