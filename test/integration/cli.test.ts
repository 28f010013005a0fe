// The `herald` CLI as a user runs it: real processes, against a running Herald (the tenant
// commands go through its HTTP API with a key), and `herald listen` receiving real webhooks.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { runCli } from '../../src/cli/main.ts';
import { freePort } from '../../src/db/embedded.ts';
import { emit, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { herald, type HeraldProcess } from '../helpers/process.ts';

const { stack } = useDeliveryStack(test);
const ROOT = join(import.meta.dirname, '../..');
const running: HeraldProcess[] = [];
test.after.always(() => { for (const p of running) p.child.kill('SIGKILL'); });

/** Runs one command in-process, as `herald` would: exit code, stdout and stderr apart. */
async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { ...process.env, ...env }, { out: (text) => { stdout += text; }, err: (text) => { stderr += text; } });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

async function tenant(role: 'owner' | 'viewer' = 'owner') {
  const { key } = await tenantWithKey(stack().api, { role });
  const env = { HERALD_URL: stack().api.url, HERALD_API_KEY: key };
  return { key, env, run: (...args: string[]) => cli(args, env) };
}

test('--help: the whole list, and each command\'s own usage, without a database or a key', async (t) => {
  const all = await cli(['--help'], { HERALD_URL: 'http://127.0.0.1:1' });
  t.is(all.code, 0);
  for (const name of ['tenants:list', 'keys:list', 'keys:revoke', 'endpoints:create', 'events:list', 'deliveries:list', 'deliveries:show', 'deliveries:retry', 'listen']) {
    t.true(all.stdout.includes(`herald ${name}`), name);
  }
  const one = await cli(['endpoints:create', '--help']);
  t.is(one.code, 0);
  t.regex(one.stdout, /^usage: herald endpoints:create --url URL --events TYPES \[--description TEXT\] \[--scheme v1\|v1a\] \[--ordering none\|key\|fifo\] \[--rate-limit PER_SECOND\]\n/);
  t.regex(one.stdout, /--events TYPES\s+Comma-separated event types/);
  t.is((await cli(['help', 'tenants:create'])).stdout.split('\n')[0], 'usage: herald tenants:create --name NAME [--slug SLUG]');
  t.regex((await cli(['tenants:create', '--help'])).stdout, /^usage: herald tenants:create/, 'an operator command\'s help opens no database');
});

test('a missing or bad argument or flag is one line on stderr and exit code 2', async (t) => {
  const { run } = await tenant();
  const cases: Array<[string[], string]> = [
    [['endpoints:create', '--url', 'https://example.com/h'], 'herald endpoints:create: missing --events TYPES (herald endpoints:create --help)'],
    [['endpoints:create', '--url', 'https://example.com/h', '--events', '*', '--colour', 'red'], 'herald endpoints:create: unknown flag --colour (herald endpoints:create --help)'],
    [['deliveries:show'], 'herald deliveries:show: missing DELIVERY_ID (herald deliveries:show --help)'],
    [['deliveries:show', 'dlv_1', 'dlv_2'], 'herald deliveries:show: unexpected argument dlv_2 (herald deliveries:show --help)'],
    [['deliveries:list', '--limit', 'ten'], 'herald deliveries:list: --limit must be a whole number (herald deliveries:list --help)'],
    [['endpoints:update', 'ep_1', '--enabled', 'maybe'], 'herald endpoints:update: --enabled must be true or false (herald endpoints:update --help)'],
    [['endpoints:update', 'ep_1', '--rate-limit', 'fast'], 'herald endpoints:update: --rate-limit must be a whole number of attempts per second, or none (herald endpoints:update --help)'],
    [['events:send', '--type', 'invoice.sent', '--data', '{oops'], 'herald events:send: --data must be JSON, e.g. \'{"invoice":"INV-1"}\' (herald events:send --help)'],
    [['listen'], 'herald listen: give --endpoint ENDPOINT_ID or --secret whsec_…|whpk_… (one of them) (herald listen --help)'],
    [['tenants:create'], 'herald tenants:create: missing --name NAME (herald tenants:create --help)'],
  ];
  for (const [args, line] of cases) {
    const res = await run(...args);
    t.is(res.code, 2, args.join(' '));
    t.is(res.stderr, `${line}\n`, args.join(' '));
    t.is(res.stdout, '');
  }
  const refused = await run('endpoints:create', '--url', 'https://example.com/h', '--events', 'Not A Type');
  t.is(refused.code, 2, 'input Herald refuses as malformed is a usage error too');
  t.regex(refused.stderr, /^herald endpoints:create: 400 \/event_types\/0: expected an event type .+\n$/);
  const unknown = await cli(['endpoints:explode']);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, 'herald: unknown command endpoints:explode (herald --help lists them)\n');
  const keyless = await cli(['endpoints:list'], { HERALD_URL: stack().api.url, HERALD_API_KEY: '' });
  t.is(keyless.code, 2);
  t.regex(keyless.stderr, /set HERALD_API_KEY/);
  const missing = await run('deliveries:show', 'dlv_nope');
  t.is(missing.code, 1, 'an answer that is not about the input is exit 1');
  t.is(missing.stderr, 'herald deliveries:show: 404 no such delivery\n');
  const nowhere = await cli(['endpoints:list'], { HERALD_URL: `http://127.0.0.1:${await freePort()}`, HERALD_API_KEY: 'hk_test_x' });
  t.is(nowhere.code, 1);
  t.regex(nowhere.stderr, /cannot reach Herald at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); set HERALD_URL/);
});

test('endpoints, events and deliveries from the command line: create, list, show, retry, rotate, replay', async (t) => {
  t.timeout(60_000);
  const { key, run } = await tenant();
  const created = await run('endpoints:create', '--url', `http://127.0.0.1:${await freePort()}/hooks`, '--events', 'invoice.*,order.paid', '--description', 'billing');
  t.is(created.code, 0, created.stderr);
  const endpoint = created.json();
  t.like(endpoint, { object: 'webhook_endpoint', event_types: ['invoice.*', 'order.paid'], description: 'billing', signature_scheme: 'v1' });
  t.deepEqual((await run('endpoints:list', '--limit', '5')).json().data.map((e: any) => e.id), [endpoint.id]);
  t.like((await run('endpoints:get', endpoint.id)).json(), { id: endpoint.id, delivery_stats: { last_hour: { attempts: 0 } } });
  t.regex((await run('endpoints:secret', endpoint.id)).json().secret, /^whsec_/);

  const sent = await run('events:send', '--type', 'invoice.sent', '--data', '{"invoice":"INV-1"}');
  t.is(sent.code, 0, sent.stderr);
  const event = sent.json();
  t.like((await run('events:get', event.id)).json(), { id: event.id, type: 'invoice.sent', data: { invoice: 'INV-1' } });
  t.deepEqual((await run('events:list', '--type', 'invoice.*')).json().data.map((e: any) => e.id), [event.id]);
  // Nothing listens at the endpoint's URL: the delivery retries, then fails.
  let deliveries: any[] = [];
  for (let i = 0; i < 100 && !deliveries.length; i++) {
    deliveries = (await run('deliveries:list', '--endpoint', endpoint.id, '--event', event.id)).json().data;
    if (!deliveries.length) await new Promise((r) => setTimeout(r, 50));
  }
  t.is(deliveries.length, 1);
  const failed = await waitForDelivery(stack().api, key, deliveries[0].id, (d) => d.status === 'failed');
  const shown = (await run('deliveries:show', failed.id)).json();
  t.is(shown.attempts.length, 4);
  t.is(shown.attempts[0].error.kind, 'connection_refused');
  const retried = await run('deliveries:retry', failed.id);
  t.is(retried.code, 0, retried.stderr);
  t.like(retried.json(), { id: failed.id, status: 'pending' });

  t.like((await run('endpoints:update', endpoint.id, '--enabled', 'false')).json(), { enabled: false });
  t.like((await run('endpoints:rotate', endpoint.id, '--overlap-seconds', '0', '--scheme', 'v1a')).json(), { object: 'secret_rotation', endpoint_id: endpoint.id });
  t.regex((await run('endpoints:secret', endpoint.id)).json().public_key, /^whpk_/);
  t.is((await run('endpoints:replay', endpoint.id, '--since', new Date(Date.now() - 3_600_000).toISOString(), '--dry-run')).code, 1, 'a disabled endpoint takes no replay (409)');
  t.like((await run('endpoints:update', endpoint.id, '--enabled', 'true', '--ordering', 'key', '--rate-limit', '50')).json(), { enabled: true, ordering: 'key', rate_limit: 50 });
  t.like((await run('endpoints:replay', endpoint.id, '--since', new Date(Date.now() - 3_600_000).toISOString(), '--dry-run')).json(), { count: 1 });
  t.like((await run('endpoints:test', endpoint.id)).json(), { object: 'delivery', event_type: 'webhook.test' });
  t.true((await run('event-types:list')).json().data.some((e: any) => e.type === 'order.paid'));
  t.like((await run('endpoints:delete', endpoint.id)).json(), { id: endpoint.id, deleted: true });
});

test('keys and the tenant from the command line: list, create, revoke; a viewer is refused in one line', async (t) => {
  const { run } = await tenant();
  const me = (await run('tenant:show')).json();
  t.like(me, { object: 'tenant', mode: 'live', role: 'owner' });
  const made = await run('keys:create', '--mode', 'live', '--kind', 'secret', '--role', 'viewer', '--name', 'reporting');
  t.is(made.code, 0, made.stderr);
  const key = made.json();
  t.regex(key.key, /^hk_live_/);
  t.true((await run('keys:list')).json().data.some((k: any) => k.id === key.id));
  t.like((await run('keys:revoke', key.id)).json(), { id: key.id, revoked: true });
  t.truthy((await run('keys:list')).json().data.find((k: any) => k.id === key.id).revoked_at);
  const viewer = await tenant('viewer');
  const refused = await viewer.run('endpoints:create', '--url', 'https://example.com/h', '--events', '*');
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^herald endpoints:create: 403 .+\n$/);
});

test('herald listen verifies each webhook with the endpoint\'s secret or public key, prints it, and refuses a forged one', async (t) => {
  t.timeout(60_000);
  const { key, env, run } = await tenant();
  for (const scheme of ['v1', 'v1a']) {
    const port = await freePort();
    const endpoint = (await run('endpoints:create', '--url', `http://localhost:${port}/webhooks`, '--events', 'parcel.*', '--scheme', scheme)).json();
    const listener = herald(['listen', '--port', String(port), '--endpoint', endpoint.id, '--json'], env);
    running.push(listener);
    await listener.waitFor(/listening on http:\/\/localhost:\d+\/ \(any path\); verifying with the (v1 secret|v1a public key) of ep_/);
    const event = await emit(stack().api, key, 'parcel.sent', { parcel: scheme });
    await listener.waitFor(new RegExp(`✔ .+ POST /webhooks parcel\\.sent ${event.id} attempt 1: ${scheme} signature verified`));
    await listener.waitFor(new RegExp(`^\\{"id":"${event.id}"`, 'm'));
    const printed = listener.output().split('\n').find((line) => line.startsWith(`{"id":"${event.id}"`));
    t.like(JSON.parse(printed!), { id: event.id, type: 'parcel.sent', data: { parcel: scheme } }, scheme);

    const forged = await fetch(`http://127.0.0.1:${port}/webhooks`, {
      method: 'POST', body: '{"id":"evt_forged"}',
      headers: { 'webhook-id': 'evt_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA v1a,AAAA' },
    });
    t.is(forged.status, 400);
    await listener.waitFor(/✘ .+ evt_forged attempt -: no signature verifies with this key/);
    const stale = await fetch(`http://127.0.0.1:${port}/webhooks`, {
      method: 'POST', body: '{}', headers: { 'webhook-id': 'evt_old', 'webhook-timestamp': '1600000000', 'webhook-signature': 'v1,AAAA' },
    });
    t.is(stale.status, 400);
    const delivery = (await stack().api.request('GET', `/v1/deliveries?event_id=${event.id}&endpoint_id=${endpoint.id}`, { token: key })).body.data[0];
    t.like(await waitForDelivery(stack().api, key, delivery.id, (d) => d.status === 'delivered'), { attempt_count: 1 });
    listener.child.kill('SIGINT');
    t.is(await listener.exited, 0);
  }
});

test('as a process: npx herald runs the CLI on the project\'s Node with nothing from npm on stdout, and the exit code is the command\'s', async (t) => {
  const res = await promisify(execFile)('npx', ['herald', 'endpoints:list', '--help'], { cwd: ROOT });
  t.regex(res.stdout, /^usage: herald endpoints:list/);
  t.is(res.stderr, '');
  const bad = await promisify(execFile)(process.execPath, [join(ROOT, 'workers/index.ts'), 'deliveries:show'], { cwd: ROOT }).catch((err) => err);
  t.is(bad.code, 2);
  t.is(bad.stderr, 'herald deliveries:show: missing DELIVERY_ID (herald deliveries:show --help)\n');
  t.is(bad.stdout, '');
});
