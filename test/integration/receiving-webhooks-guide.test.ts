// The programs of docs/receiving-webhooks.md, taken from the Markdown as they are written and run
// as an integrator would (their own folder and process, the libraries they name) against real
// webhooks from a running Herald: each verifies what Herald sends and refuses a forgery; the
// first deduplicates a replay; the last unsubscribes its endpoint with 410.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { freePort } from '../../src/db/embedded.ts';
import { deliveriesOf, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';

const ROOT = join(import.meta.dirname, '../..');
const GUIDE = readFileSync(join(ROOT, 'docs/receiving-webhooks.md'), 'utf8');
/** Every ```js <file> block of the guide. */
const PROGRAMS = new Map([...GUIDE.matchAll(/^```js (\S+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1], m[2]]));

const { stack } = useDeliveryStack(test);
let dir: string;
const children: ChildProcess[] = [];
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-guide-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'receiver', private: true, type: 'module' }));
  for (const [name, code] of PROGRAMS) writeFileSync(join(dir, name), code);
});
test.after.always(() => {
  for (const child of children) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts one program of the guide on a free port; `output()` is what it printed. */
async function start(name: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(dir, name)], { cwd: dir, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const url = `http://127.0.0.1:${port}/webhooks`;
  for (let deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
    if (await fetch(url, { method: 'POST', body: '{}' }).then(() => true, () => false)) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start: ${output}`);
  }
  return {
    url,
    output: () => output,
    async waitFor(text: string) {
      for (let deadline = Date.now() + 15_000; !output.includes(text); await new Promise((r) => setTimeout(r, 25))) {
        if (Date.now() > deadline) throw new Error(`${name}: expected "${text}" in its output:\n${output}`);
      }
    },
  };
}

const forge = (url: string) => fetch(url, {
  method: 'POST', body: '{"id":"evt_forged","type":"order.paid"}',
  headers: { 'content-type': 'application/json', 'webhook-id': 'evt_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,bm9wZQ== v1a,bm9wZQ==' },
});

test('the guide\'s programs are the ones this test runs', (t) => {
  t.deepEqual([...PROGRAMS.keys()].sort(), ['receive-ed25519.mjs', 'receive-standardwebhooks.mjs', 'receive-svix.mjs', 'unsubscribe.mjs']);
});

for (const [program, scheme] of [['receive-standardwebhooks.mjs', 'v1'], ['receive-svix.mjs', 'v1'], ['receive-ed25519.mjs', 'v1a']] as const) {
  test(`${program} verifies ${scheme} webhooks from Herald and refuses a forged one`, async (t) => {
    const { api } = stack();
    const { key } = await tenantWithKey(api);
    const created = await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: 'https://example.com/placeholder', event_types: ['parcel.*'], signature_scheme: scheme } });
    const shown = (await api.request('GET', `/v1/webhook-endpoints/${created.body.id}/secret`, { token: key })).body;
    const receiver = await start(program, scheme === 'v1' ? { HERALD_WEBHOOK_SECRET: shown.secret } : { HERALD_WEBHOOK_PUBLIC_KEY: shown.public_key });
    t.is((await forge(receiver.url)).status, 400, 'a forged webhook is refused');
    await api.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { token: key, body: { url: receiver.url } });

    const event = await emit(api, key, 'parcel.sent', { parcel: program });
    await receiver.waitFor(`received parcel.sent ${event.id}`);
    const [delivery] = await deliveriesOf(api, key, event.id);
    t.like(await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered'), { attempt_count: 1 });

    if (program === 'receive-standardwebhooks.mjs') {
      // A replay comes with the same webhook-id: acknowledged, not processed again.
      const replay = await api.request('POST', `/v1/webhook-endpoints/${created.body.id}/replay`, { token: key, body: { since: new Date(Date.now() - 60_000).toISOString() } });
      t.is(replay.body.count, 1);
      await receiver.waitFor(`duplicate ${event.id}`);
      t.is(receiver.output().split(`received parcel.sent ${event.id}`).length, 2, 'processed once');
    }
  });
}

test('unsubscribe.mjs answers 410 Gone and Herald disables the endpoint at once', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const receiver = await start('unsubscribe.mjs', {});
  const endpoint = await registerEndpoint(api, key, { url: receiver.url, event_types: ['parcel.*'] });
  const event = await emit(api, key, 'parcel.sent');
  const [delivery] = await deliveriesOf(api, key, event.id);
  const ended = await waitForDelivery(api, key, delivery.id, (d) => d.status === 'failed');
  t.is(ended.attempts.length, 1, 'no retry after a 410');
  const after = (await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: key })).body;
  t.false(after.enabled);
  t.regex(after.disabled_reason, /410/);
});
