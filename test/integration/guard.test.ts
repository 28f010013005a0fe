// The address guard against real connections — only ever to loopback. Private, link-local,
// CGNAT and metadata ranges are covered as pure decisions in test/unit/address.test.ts.
import test from 'ava';
import { freePort } from '../../src/db/embedded.ts';
import { parseCidr } from '../../src/net/address.ts';
import { createGuardedClient, guardedConnector, guardedLookup } from '../../src/delivery/client.ts';
import { deliveriesOf, emit, LOOPBACK, registerEndpoint, startDeliveryStack, waitForDelivery, type DeliveryStack } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { startApi, type TestApi } from '../helpers/api.ts';

const SPELLINGS = ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]', '2130706433', '0x7f000001', '127.1', '0.0.0.0'];
const cidrs = (list: string) => list.split(',').map((c) => parseCidr(c)!);

let v4: Receiver;
let v6: Receiver;
let strictApi: TestApi;
// Registration allows loopback and 0.0.0.0; the worker allows only 0.0.0.0, which is not where the connection lands.
let stack: DeliveryStack;
test.before(async () => {
  v4 = await startReceiver();
  v6 = await startReceiver({ host: '::1', port: v4.port });
  strictApi = await startApi();
  stack = await startDeliveryStack({
    api: { HERALD_ALLOW_PRIVATE_NETWORKS: `${LOOPBACK},0.0.0.0/32` },
    worker: { HERALD_ALLOW_PRIVATE_NETWORKS: '0.0.0.0/32' },
  });
});
test.after.always(async () => {
  await Promise.all([v4?.close(), v6?.close(), strictApi?.close(), stack?.close()]);
});

// Serial: the tests count what reached the shared receivers.
const received = () => v4.received.length + v6.received.length;

test.serial('every loopback spelling is refused at registration without the allow-list', async (t) => {
  const { key } = await tenantWithKey(strictApi);
  for (const host of SPELLINGS) {
    const res = await strictApi.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: `http://${host}:${v4.port}/`, event_types: ['*'] } });
    t.is(res.status, 422, host);
    t.is(res.body.errors[0].pointer, '/url');
    t.regex(res.body.errors[0].detail, /loopback|unspecified|IPv4-mapped/, host);
  }
});

test.serial('the client refuses every loopback spelling without the allow-list, and reaches each with it', async (t) => {
  const before = received();
  const strict = createGuardedClient({ allow: [], production: false, timeoutMs: 2_000 });
  for (const host of SPELLINGS) {
    const result = await strict.post(`http://${host}:${v4.port}/`, {}, '{}');
    t.is(result.statusCode, null, host);
    t.is(result.error?.kind, 'address_refused', host);
    t.regex(result.error!.message, /loopback|unspecified|IPv4-mapped/, host);
  }
  t.is(received(), before, 'no request reached a receiver');

  const open = createGuardedClient({ allow: cidrs(`${LOOPBACK},0.0.0.0/32`), production: false, timeoutMs: 2_000 });
  for (const host of SPELLINGS) t.is((await open.post(`http://${host}:${v4.port}/`, {}, '{}')).statusCode, 200, host);
  t.is(received(), before + SPELLINGS.length, 'the spellings really are loopback');
  await Promise.all([strict.close(), open.close()]);
});

test.serial('the connected socket is checked: an allow-listed 0.0.0.0 that lands on 127.0.0.1 is refused', async (t) => {
  const before = received();
  const client = createGuardedClient({ allow: cidrs('0.0.0.0/32'), production: false, timeoutMs: 2_000 });
  const result = await client.post(`http://0.0.0.0:${v4.port}/`, {}, '{}');
  t.is(result.error?.kind, 'address_refused');
  // The rule, not the address the socket reached (DESIGN §3).
  t.is(result.error!.message, 'connected to a non-public address');
  await client.close();

  // The connector alone, with an IP literal (where Node skips any lookup).
  const connect = guardedConnector({ allow: [], production: false }, 1_000);
  const error = await new Promise<Error | null>((resolve) => connect({ hostname: '127.0.0.1', host: '127.0.0.1', protocol: 'http:', port: String(v4.port) }, (...[err]) => resolve(err)));
  t.is(String(error?.message), 'connected to a non-public address');
  t.is(received(), before);
});

test.serial('network failures are stored as the kind of failure, without the address the connection went to', async (t) => {
  const client = createGuardedClient({ allow: cidrs(LOOPBACK), production: false, timeoutMs: 2_000 });
  const closed = await freePort();
  for (const url of [`http://localhost:${closed}/`, `http://127.0.0.1:${closed}/`]) {
    const result = await client.post(url, {}, '{}');
    t.is(result.error?.kind, 'connection_refused', url);
    t.is(result.error?.message, 'connection refused (ECONNREFUSED)', url);
  }
  await client.close();
});

test.serial('DNS answers are checked: a name resolving to loopback is refused unless allow-listed', async (t) => {
  const lookup = (allow: string) => new Promise<{ err: Error | null; addresses: unknown }>((resolve) =>
    guardedLookup({ allow: allow ? cidrs(allow) : [], production: false })('localhost', { all: true }, (err, addresses) => resolve({ err, addresses })));
  const refused = await lookup('');
  t.is(String(refused.err?.message), 'localhost resolves to a non-public address', 'the rule, not the DNS answer');
  const allowed = await lookup(LOOPBACK);
  t.is(allowed.err, null);
  t.true(Array.isArray(allowed.addresses) && allowed.addresses.length > 0);
});

test.serial('a delivery to any loopback spelling is refused at connect, records why on every attempt and reaches nobody', async (t) => {
  const { api } = stack;
  const before = received();
  const { key } = await tenantWithKey(api);
  // Registration allows them all here; the worker allows only 0.0.0.0, which is not where a connection lands.
  const endpoints = new Map<string, string>();
  for (const host of SPELLINGS) endpoints.set((await registerEndpoint(api, key, { url: `http://${host}:${v4.port}/`, event_types: ['*'] })).id, host);
  const event = await emit(api, key, 'probe.sent');
  const deliveries = await deliveriesOf(api, key, event.id, SPELLINGS.length);
  t.deepEqual(new Set(deliveries.map((d) => d.endpoint_id)), new Set(endpoints.keys()));
  for (const d of deliveries) {
    const host = endpoints.get(d.endpoint_id)!;
    const done = await waitForDelivery(api, key, d.id, (x) => x.status === 'failed');
    t.is(done.attempts.length, 4, host);
    t.true(done.attempts.every((a: any) => a.error?.kind === 'address_refused' && a.status_code === null), host);
    // 0.0.0.0 passes the URL check (allow-listed) and is refused on the socket it connected.
    const why = host === '0.0.0.0' ? /^connected to a non-public address$/ : /loopback|IPv4-mapped/;
    t.regex(done.attempts[0].error.message, why, host);
    // Only an address the tenant wrote in its own URL may appear; never one DNS or the socket gave.
    // (The advice that follows names the networks to allow, not an address.)
    if (['localhost', '0.0.0.0'].includes(host)) t.false(/127\.0\.0\.1|::1\b/.test(done.attempts[0].error.message.split('; to allow it')[0]), host);
    t.regex(done.status_reason, /address_refused/, host);
  }
  t.is(received(), before);
});

test.serial('a localhost endpoint is delivered to once both loopback networks are allowed, and refused with what to allow otherwise', async (t) => {
  const { api } = stack;
  const { key } = await tenantWithKey(api);
  const before = received();
  const endpoint = await registerEndpoint(api, key, { url: `http://localhost:${v4.port}/hooks`, event_types: ['*'] });
  const event = await emit(api, key, 'probe.local');
  const [delivery] = await deliveriesOf(api, key, event.id);
  // This stack's worker allows only 0.0.0.0/32: the attempt says which networks are missing.
  const refused = await waitForDelivery(api, key, delivery.id, (d) => d.attempts.length > 0);
  t.regex(refused.attempts[0].error.message, /^localhost is a loopback name; to allow it, add 127\.0\.0\.0\/8,::1\/128 to HERALD_ALLOW_PRIVATE_NETWORKS$/);

  const { key: strictKey } = await tenantWithKey(strictApi);
  const res = await strictApi.request('POST', '/v1/webhook-endpoints', { token: strictKey, body: { url: `http://localhost:${v4.port}/`, event_types: ['*'] } });
  t.is(res.status, 422);
  t.is(res.body.errors[0].detail, 'localhost is a loopback name; to allow it, add 127.0.0.0/8,::1/128 to HERALD_ALLOW_PRIVATE_NETWORKS');
  t.is(received(), before);
  t.truthy(endpoint.id);

  // With both networks allowed, a real delivery to localhost arrives (whichever address it resolves to).
  const allowed = createGuardedClient({ allow: cidrs(LOOPBACK), production: false, timeoutMs: 2_000 });
  t.is((await allowed.post(`http://localhost:${v4.port}/hooks`, {}, '{}')).statusCode, 200);
  t.is(received(), before + 1);
  await allowed.close();
});
