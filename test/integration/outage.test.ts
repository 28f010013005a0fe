// The database goes away under real `herald api` and `herald worker` processes, on a PostgreSQL
// server of this test's own (the suite's shared server is never restarted): nothing dies, the API
// answers 503 with Retry-After, /readyz fails and /healthz does not, the workers idle, and once the
// database is back everything resumes by itself and every acknowledged event is delivered. A
// SIGTERM while the database is down still exits 0.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbedded, type EmbeddedServer } from '../../src/db/embedded.ts';
import { migrate } from '../../src/runtime.ts';
import { ADMIN_TOKEN, testConfig } from '../helpers/api.ts';
import { LOOPBACK } from '../helpers/delivery.ts';
import { herald, type HeraldProcess } from '../helpers/process.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  type: string | null;
  retryAfter: string | null;
  body: any;
}

/** One request with a bound of its own: a hang shows up as status 0. */
async function call(url: string, options: { method?: string; token?: string; body?: unknown; idempotencyKey?: string } = {}, timeoutMs = 10_000): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body };
  } catch {
    return { status: 0, type: null, retryAfter: null, body: undefined };
  }
}

/** CPU seconds (user + system) the process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const portOf = (p: HeraldProcess, pattern: RegExp) => Number(pattern.exec(p.output())![1]);

let dir: string;
let server: EmbeddedServer | undefined;
let receiver: Receiver;
const started: HeraldProcess[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-outage-'));
  receiver = await startReceiver();
});
test.after.always(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await receiver?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.serial('a database restart kills no process: 503 with Retry-After while it is down, then everything resumes and every acknowledged event is delivered', async (t) => {
  t.timeout(150_000);
  server = await startEmbedded(dir, { durable: false });
  const port = Number(new URL(server.url).port);
  await migrate(server.url, { runtimePassword: server.runtimePassword });
  const config = testConfig();
  const env = {
    HERALD_RUNTIME_DATABASE_URL: server.runtimeUrl, DATABASE_URL: '', PORT: '0', HERALD_WORKER_PORT: '0', NODE_ENV: 'test',
    HERALD_ADMIN_TOKEN: ADMIN_TOKEN, HERALD_JWT_SECRET: config.jwtSecret, HERALD_ENCRYPTION_KEY: config.encryptionKey.toString('base64'),
    HERALD_ALLOW_PRIVATE_NETWORKS: LOOPBACK, HERALD_DELIVERY_TIMEOUT: '2s', HERALD_RETRY_SCHEDULE: '1s,1s,1s',
  };
  const api = herald(['api'], env);
  const worker = herald(['worker'], env);
  started.push(api, worker);
  await api.waitFor(/API listening on http:\/\/localhost:(\d+)/);
  await worker.waitFor(/worker health and metrics on http:\/\/localhost:(\d+)/);
  const apiUrl = `http://127.0.0.1:${portOf(api, /API listening on http:\/\/localhost:(\d+)/)}`;
  const workerUrl = `http://127.0.0.1:${portOf(worker, /worker health and metrics on http:\/\/localhost:(\d+)/)}`;

  // A tenant with an endpoint, and a steady stream of events: each retried under its own
  // Idempotency-Key until acknowledged (201), as a careful client does.
  const tenant = (await call(`${apiUrl}/admin/v1/tenants`, { method: 'POST', token: ADMIN_TOKEN, body: { name: 'Outage shop' } })).body;
  const org = (await call(`${apiUrl}/admin/v1/tenants/${tenant.id}/organizations`, { method: 'POST', token: ADMIN_TOKEN, body: { name: 'Main' } })).body;
  const { key } = (await call(`${apiUrl}/admin/v1/tenants/${tenant.id}/api-keys`, { method: 'POST', token: ADMIN_TOKEN, body: { org_id: org.id, mode: 'live', kind: 'secret', role: 'owner' } })).body;
  t.is((await call(`${apiUrl}/v1/webhook-endpoints`, { method: 'POST', token: key, body: { url: `${receiver.url}/outage`, event_types: ['*'] } })).status, 201);

  // Every webhook takes a moment to answer, so attempts are in flight when the database goes.
  receiver.script(...Array.from({ length: 10_000 }, () => ({ delayMs: 300 })));
  const acknowledged: string[] = [];
  const answers: Array<{ at: number; status: number; problem: boolean; retryAfter: string | null }> = [];
  let emitting = true;
  const emitter = (async () => {
    for (let n = 0; emitting; n++) {
      const idempotencyKey = `outage-${n}-${randomBytes(4).toString('hex')}`;
      for (;;) {
        const res = await call(`${apiUrl}/v1/events`, { method: 'POST', token: key, body: { type: 'outage.probe', data: { n } }, idempotencyKey });
        answers.push({ at: Date.now(), status: res.status, problem: res.type === 'application/problem+json', retryAfter: res.retryAfter });
        if (res.status === 201) {
          acknowledged.push(res.body.id);
          break;
        }
        if (!emitting) break;
        await sleep(100);
      }
      await sleep(50);
    }
  })();
  await sleep(1_500);
  t.true(acknowledged.length > 0, 'events are acknowledged before the outage');

  // ── the database goes away ──
  await server.stop();
  const downAt = Date.now();
  let first503: number | undefined;
  for (let i = 0; i < 50 && first503 === undefined; i++) {
    const res = await call(`${apiUrl}/v1/events?limit=1`, { token: key });
    if (res.status === 503) first503 = Date.now() - downAt;
    else await sleep(100);
  }
  if (first503 === undefined) t.log(api.output().slice(-4000));
  t.truthy(first503, 'the API answers 503 while the database is down');
  t.true(first503! < 5_000, `503 within 5 s of the outage (${first503} ms)`);
  const down = await call(`${apiUrl}/v1/events?limit=1`, { token: key });
  t.is(down.status, 503);
  t.is(down.type, 'application/problem+json');
  t.regex(down.retryAfter ?? '', /^\d+$/);
  t.like(down.body, { status: 503, title: 'Service Unavailable' });
  t.is((await call(`${apiUrl}/readyz`)).status, 503);
  t.is((await call(`${apiUrl}/healthz`)).status, 200);
  t.is((await call(`${workerUrl}/readyz`)).status, 503);
  t.is((await call(`${workerUrl}/healthz`)).status, 200);

  // The worker idles: its loops back off instead of spinning.
  const cpuBefore = cpuSeconds(worker.child.pid!);
  await sleep(3_000);
  const workerCpu = (cpuSeconds(worker.child.pid!) - cpuBefore) / 3;
  t.log(`worker CPU while the database is down: ${(workerCpu * 100).toFixed(1)} % of a core`);
  t.true(workerCpu < 0.15, `the worker idles while the database is down (${(workerCpu * 100).toFixed(1)} % of a core)`);

  // ── the database comes back ──
  server = await startEmbedded(dir, { durable: false, port });
  const upAt = Date.now();
  let recovered: number | undefined;
  while (recovered === undefined && Date.now() - upAt < 20_000) {
    const [ready, workerReady, write] = await Promise.all([
      call(`${apiUrl}/readyz`), call(`${workerUrl}/readyz`),
      call(`${apiUrl}/v1/events`, { method: 'POST', token: key, body: { type: 'outage.after', data: {} } }),
    ]);
    if (write.status === 201) acknowledged.push(write.body.id);
    if (ready.status === 200 && workerReady.status === 200 && write.status === 201) recovered = Date.now() - upAt;
    else await sleep(200);
  }
  t.truthy(recovered, 'the API and the worker recover by themselves');
  t.true(recovered! < 15_000, `recovered within 15 s of the database's return (${recovered} ms)`);
  t.log(`first 503 ${first503} ms after the outage began; recovered ${recovered} ms after the database returned`);

  await sleep(1_000);
  emitting = false;
  await emitter;
  const statuses = new Set(answers.map((a) => a.status));
  t.false(statuses.has(500), 'never a 500');
  t.false(statuses.has(0), 'never a hang or a refused connection');
  t.true(answers.filter((a) => a.status === 503).every((a) => a.problem && /^\d+$/.test(a.retryAfter ?? '')), 'every 503 is problem+json with Retry-After');
  t.log(`answers during the run: ${[...statuses].sort().map((s) => `${s} × ${answers.filter((a) => a.status === s).length}`).join(', ')}`);

  // Every acknowledged event reaches the receiver.
  const deadline = Date.now() + 30_000;
  const missing = () => {
    const seen = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    return acknowledged.filter((id) => !seen.has(id));
  };
  while (missing().length && Date.now() < deadline) await sleep(200);
  t.deepEqual(missing(), [], `all ${acknowledged.length} acknowledged events were delivered`);

  t.is(api.child.exitCode, null, 'the API process is alive');
  t.is(worker.child.exitCode, null, 'the worker process is alive');

  // ── a SIGTERM while the database is down, with attempts in flight, still exits 0 ──
  receiver.script(...Array.from({ length: 100 }, () => ({ delayMs: 1_500 })));
  const before = receiver.received.length;
  for (let n = 0; n < 3; n++) {
    const res = await call(`${apiUrl}/v1/events`, { method: 'POST', token: key, body: { type: 'outage.last', data: { n } } });
    t.is(res.status, 201);
    acknowledged.push(res.body.id);
  }
  await receiver.waitFor(before + 3, 10_000);
  await server.stop();
  api.child.kill('SIGTERM');
  worker.child.kill('SIGTERM');
  const stopAt = Date.now();
  t.deepEqual(await Promise.all([api.exited, worker.exited]), [0, 0], api.output().slice(-3000) + worker.output().slice(-3000));
  t.log(`both exited 0 within ${Date.now() - stopAt} ms of SIGTERM`);

  // Those attempts finished while their worker could not record them: once the database is back,
  // a new worker redoes them (their claims stopped heartbeating), and every delivery ends delivered.
  server = await startEmbedded(dir, { durable: false, port });
  const next = herald(['worker'], env);
  started.push(next);
  const owner = new pg.Client({ connectionString: server.url });
  await owner.connect();
  try {
    const undelivered = async () => (await owner.query(
      `select e.id from events e where e.id = any($1::text[])
          and not exists (select 1 from deliveries d where d.tenant_id = e.tenant_id and d.event_id = e.id and d.status = 'delivered')`,
      [acknowledged],
    )).rows.map((r) => r.id);
    const until = Date.now() + 40_000;
    while ((await undelivered()).length && Date.now() < until) await sleep(500);
    t.deepEqual(await undelivered(), [], 'every acknowledged event has a delivered delivery');
  } finally {
    await owner.end();
  }
  next.child.kill('SIGTERM');
  t.is(await next.exited, 0);
});

test.serial('a process started while the database is down waits for it; a SIGTERM while it waits exits 0', async (t) => {
  t.timeout(90_000);
  const ownDir = mkdtempSync(join(tmpdir(), 'herald-outage-start-'));
  let own: EmbeddedServer | undefined = await startEmbedded(ownDir, { durable: false });
  try {
    const port = Number(new URL(own.url).port);
    await migrate(own.url, { runtimePassword: own.runtimePassword });
    await own.stop();
    own = undefined;
    const config = testConfig();
    const env = {
      HERALD_RUNTIME_DATABASE_URL: new URL(`postgres://herald_app:${encodeURIComponent(readFileSync(join(ownDir, 'runtime-password'), 'utf8').trim())}@127.0.0.1:${port}/postgres`).toString(),
      DATABASE_URL: '', PORT: '0', HERALD_WORKER_PORT: '0', NODE_ENV: 'test',
      HERALD_ADMIN_TOKEN: ADMIN_TOKEN, HERALD_JWT_SECRET: config.jwtSecret, HERALD_ENCRYPTION_KEY: config.encryptionKey.toString('base64'),
    };
    const api = herald(['api'], env);
    const worker = herald(['worker'], env);
    const quitter = herald(['worker'], env);
    started.push(api, worker, quitter);
    for (const p of [api, worker, quitter]) await p.waitFor(/waiting for the database/);
    quitter.child.kill('SIGTERM');
    t.is(await quitter.exited, 0, quitter.output());
    await sleep(2_500);
    t.is(api.child.exitCode, null, 'the API waits');
    t.is(worker.child.exitCode, null, 'the worker waits');

    own = await startEmbedded(ownDir, { durable: false, port });
    const upAt = Date.now();
    await api.waitFor(/API listening on http:\/\/localhost:(\d+)/, 15_000);
    await worker.waitFor(/worker health and metrics on http:\/\/localhost:(\d+)/, 15_000);
    t.log(`both serving ${Date.now() - upAt} ms after the database started`);
    const apiUrl = `http://127.0.0.1:${portOf(api, /API listening on http:\/\/localhost:(\d+)/)}`;
    t.is((await call(`${apiUrl}/readyz`)).status, 200);
    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    t.deepEqual(await Promise.all([api.exited, worker.exited]), [0, 0], api.output().slice(-2000) + worker.output().slice(-2000));
  } finally {
    await own?.stop();
    rmSync(ownDir, { recursive: true, force: true });
  }
});
