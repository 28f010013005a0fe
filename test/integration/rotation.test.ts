import test from 'ava';
import { emit, registerEndpoint, useDeliveryStack } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { verifyWebhook, type Receiver } from '../helpers/receiver.ts';


const { stack, newReceiver } = useDeliveryStack(test);

async function endpointWithReceiver() {
  const { tenant, key } = await tenantWithKey(stack().api);
  const receiver = await newReceiver();
  const endpoint = await registerEndpoint(stack().api, key, { url: receiver.url, event_types: ['*'] });
  return { tenant, key, receiver, endpoint };
}

const rotate = (key: string, id: string, body: unknown = {}) =>
  stack().api.request('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { token: key, body });
const currentSecret = async (key: string, id: string) =>
  (await stack().api.request('GET', `/v1/webhook-endpoints/${id}/secret`, { token: key })).body.secret as string;

/** Emits an event and returns the request the receiver got for it. */
async function deliveredRequest(key: string, receiver: Receiver) {
  const event = await emit(stack().api, key, 'parcel.sent');
  await receiver.waitFor(receiver.received.length + 1);
  const request = receiver.received.find((r) => r.headers['webhook-id'] === event.id);
  if (!request) throw new Error(`${event.id} was not the request received`);
  return request;
}

const signatures = (request: { headers: Record<string, string> }) => request.headers['webhook-signature'].split(' ');

test('during the overlap deliveries verify under both the old and the new secret; GET …/secret shows the new one', async (t) => {
  const { key, receiver, endpoint } = await endpointWithReceiver();
  const { clock } = stack().api;
  const before = clock.now().getTime();
  const rotated = await rotate(key, endpoint.id, { overlap_seconds: 3600 });
  t.is(rotated.status, 200);
  t.like(rotated.body, { object: 'secret_rotation', endpoint_id: endpoint.id });
  const expires = Date.parse(rotated.body.previous_secrets_expire_at);
  t.true(expires >= before + 3_599_000 && expires <= clock.now().getTime() + 3_601_000, rotated.body.previous_secrets_expire_at);

  const newSecret = await currentSecret(key, endpoint.id);
  t.not(newSecret, endpoint.secret);
  t.regex(newSecret, /^whsec_/);

  const request = await deliveredRequest(key, receiver);
  t.is(signatures(request).length, 2, 'one v1 signature per signing secret');
  t.is(verifyWebhook(endpoint.secret, request).type, 'parcel.sent', 'the old secret still verifies');
  t.is(verifyWebhook(newSecret, request).type, 'parcel.sent', 'the new secret verifies');
  t.true(signatures(request)[0].startsWith('v1,'));
});

// Serial: it moves the clock the API and the worker share (ava runs serial tests before the others).
test.serial('after the overlap only the new secret verifies', async (t) => {
  const { key, receiver, endpoint } = await endpointWithReceiver();
  const { clock } = stack().api;
  const rotated = await rotate(key, endpoint.id, { overlap_seconds: 60 });
  const newSecret = await currentSecret(key, endpoint.id);
  const stillBoth = await deliveredRequest(key, receiver);
  t.is(signatures(stillBoth).length, 2, 'a second before the end of the overlap both sign');
  clock.advance(Date.parse(rotated.body.previous_secrets_expire_at) - clock.now().getTime() + 1);

  const request = await deliveredRequest(key, receiver);
  t.is(signatures(request).length, 1);
  t.is(verifyWebhook(newSecret, request).type, 'parcel.sent');
  t.throws(() => verifyWebhook(endpoint.secret, request), undefined, 'the old secret no longer verifies');
});

test('overlap_seconds 0 revokes the previous secret at once and erases it', async (t) => {
  const { key, receiver, endpoint } = await endpointWithReceiver();
  const rotated = await rotate(key, endpoint.id, { overlap_seconds: 0 });
  t.is(rotated.status, 200);
  const newSecret = await currentSecret(key, endpoint.id);

  const request = await deliveredRequest(key, receiver);
  t.is(signatures(request).length, 1);
  t.is(verifyWebhook(newSecret, request).type, 'parcel.sent');
  t.throws(() => verifyWebhook(endpoint.secret, request));
  const stored = await stack().api.db.owner.query('select count(*)::int as n from webhook_endpoint_secrets where endpoint_id = $1', [endpoint.id]);
  t.is(stored.rows[0].n, 1, 'only the new secret is kept');
});

test('rotating again within the overlap keeps every valid secret signing, newest first, at most five', async (t) => {
  const { key, receiver, endpoint } = await endpointWithReceiver();
  const secrets = [endpoint.secret];
  for (let i = 0; i < 6; i++) {
    t.is((await rotate(key, endpoint.id)).status, 200, 'the default overlap is a day');
    secrets.push(await currentSecret(key, endpoint.id));
  }
  const request = await deliveredRequest(key, receiver);
  t.is(signatures(request).length, 5);
  for (const secret of secrets.slice(-5)) t.notThrows(() => verifyWebhook(secret, request));
  for (const secret of secrets.slice(0, 2)) t.throws(() => verifyWebhook(secret, request), undefined, 'the oldest stopped signing');
  // The first signature is the current secret's: a receiver checking one signature checks the newest.
  t.notThrows(() => verifyWebhook(secrets.at(-1)!, { ...request, headers: { ...request.headers, 'webhook-signature': signatures(request)[0] } }));
});

test('a rotation validates its body, needs a developer, and stays inside its tenant', async (t) => {
  const { tenant, key, endpoint, receiver } = await endpointWithReceiver();
  for (const body of [{ overlap_seconds: -1 }, { overlap_seconds: 1.5 }, { overlap_seconds: '60' }, { overlap_seconds: 8 * 86_400 }, { overlap: 5 }]) {
    const res = await rotate(key, endpoint.id, body);
    t.is(res.status, 400, JSON.stringify(body));
    t.is(res.headers.get('content-type'), 'application/problem+json');
  }
  t.is((await rotate(key, 'ep_nope')).status, 404);
  const outsider = (await tenantWithKey(stack().api)).key;
  t.is((await rotate(outsider, endpoint.id)).status, 404);
  const viewer = (await tenant.key({ role: 'viewer' })).key;
  t.is((await rotate(viewer, endpoint.id)).status, 403);
  t.is(await currentSecret(key, endpoint.id), endpoint.secret, 'refused rotations changed nothing');
  t.is(receiver.received.length, 0);
});
