// v1a (ed25519) signatures per endpoint (DESIGN §3), checked by an implementation independent of
// Herald's: @noble/curves over the Standard Webhooks signed content `id.timestamp.body`.
import test from 'ava';
import { decryptSecret } from '../../src/delivery/secrets.ts';
import { emit, useDeliveryStack } from '../helpers/delivery.ts';
import { v1aMatches } from '../helpers/ed25519.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { verifyWebhook, type Receiver } from '../helpers/receiver.ts';

const { stack, newReceiver } = useDeliveryStack(test);

async function v1aEndpoint() {
  const { api } = stack();
  const { tenant, key } = await tenantWithKey(api);
  const receiver = await newReceiver();
  const created = await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: receiver.url, event_types: ['*'], signature_scheme: 'v1a' } });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return { tenant, key, receiver, endpoint: created.body };
}

const verifier = (key: string, id: string) => stack().api.request('GET', `/v1/webhook-endpoints/${id}/secret`, { token: key });
const rotate = (key: string, id: string, body: unknown) => stack().api.request('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { token: key, body });

async function deliveredRequest(key: string, receiver: Receiver) {
  const event = await emit(stack().api, key, 'parcel.sent');
  await receiver.waitFor(receiver.received.length + 1);
  const request = receiver.received.find((r) => r.headers['webhook-id'] === event.id);
  if (!request) throw new Error(`${event.id} was not received`);
  return request;
}

test('a v1a endpoint answers its public key, signs each webhook with ed25519, and the signature verifies over id.timestamp.body', async (t) => {
  const { key, receiver, endpoint } = await v1aEndpoint();
  t.is(endpoint.signature_scheme, 'v1a');
  const shown = await verifier(key, endpoint.id);
  t.is(shown.status, 200);
  t.deepEqual(Object.keys(shown.body), ['public_key']);
  t.regex(shown.body.public_key, /^whpk_[A-Za-z0-9+/]{43}=$/);

  const request = await deliveredRequest(key, receiver);
  const signatures = request.headers['webhook-signature'].split(' ');
  t.is(signatures.length, 1);
  t.regex(signatures[0], /^v1a,[A-Za-z0-9+/]{86}==$/);
  t.is(v1aMatches(request, shown.body.public_key), 1);
  t.is(v1aMatches({ ...request, body: request.body.replace('parcel.sent', 'parcel.lost') }, shown.body.public_key), 0, 'the body is covered');
  t.is(v1aMatches({ ...request, headers: { ...request.headers, 'webhook-timestamp': String(Number(request.headers['webhook-timestamp']) + 1) } }, shown.body.public_key), 0, 'the timestamp is covered');
  t.is(JSON.parse(request.body).type, 'parcel.sent');
});

test('the private key never leaves Herald: no answer carries it, and it is stored encrypted with the endpoint as associated data', async (t) => {
  const { api } = stack();
  const { tenant, key, endpoint } = await v1aEndpoint();
  const answers = await Promise.all([
    api.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: key }),
    api.request('GET', '/v1/webhook-endpoints', { token: key }),
    verifier(key, endpoint.id),
    rotate(key, endpoint.id, { overlap_seconds: 60 }),
    api.request('GET', '/v1/audit-log', { token: key }),
  ]);
  for (const answer of answers) t.false(JSON.stringify(answer.body).includes('whsk_'), JSON.stringify(answer.body));
  const { rows } = await api.db.owner.query('select ciphertext from webhook_endpoint_secrets where endpoint_id = $1 order by version', [endpoint.id]);
  t.is(rows.length, 2);
  for (const { ciphertext } of rows) {
    t.false(ciphertext.toString('latin1').includes('whsk_'), 'not in clear');
    t.regex(decryptSecret(api.services.config.encryptionKey, { tenantId: tenant.id, endpointId: endpoint.id }, ciphertext), /^whsk_/);
  }
});

test('a v1a rotation keeps every still-valid key signing: both public keys verify during the overlap, newest first', async (t) => {
  const { key, receiver, endpoint } = await v1aEndpoint();
  const oldKey = (await verifier(key, endpoint.id)).body.public_key;
  const rotated = await rotate(key, endpoint.id, { overlap_seconds: 3600 });
  t.is(rotated.status, 200);
  const newKey = (await verifier(key, endpoint.id)).body.public_key;
  t.not(newKey, oldKey);

  const request = await deliveredRequest(key, receiver);
  const signatures = request.headers['webhook-signature'].split(' ');
  t.is(signatures.length, 2);
  t.true(signatures.every((s) => s.startsWith('v1a,')));
  t.is(v1aMatches(request, oldKey), 1);
  t.is(v1aMatches(request, newKey), 1);
  t.is(v1aMatches({ ...request, headers: { ...request.headers, 'webhook-signature': signatures[0] } }, newKey), 1, 'the current key signs first');

  t.is((await rotate(key, endpoint.id, { overlap_seconds: 0 })).status, 200);
  const newest = (await verifier(key, endpoint.id)).body.public_key;
  const after = await deliveredRequest(key, receiver);
  t.is(after.headers['webhook-signature'].split(' ').length, 1, 'overlap 0 revokes the previous keys at once');
  t.is(v1aMatches(after, newest), 1);
  t.is(v1aMatches(after, newKey), 0);
});

test('switching scheme by rotation or PATCH: during the overlap the old scheme and the new both sign, each verifying with its own library', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const receiver = await newReceiver();
  const created = await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: receiver.url, event_types: ['*'] } });
  t.is(created.body.signature_scheme, 'v1', 'v1 is the default');
  const secret = (await verifier(key, created.body.id)).body.secret;
  t.regex(secret, /^whsec_/);

  const switched = await api.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { token: key, body: { signature_scheme: 'v1a' } });
  t.is(switched.status, 200);
  t.is(switched.body.signature_scheme, 'v1a');
  const publicKey = (await verifier(key, created.body.id)).body.public_key;
  const during = await deliveredRequest(key, receiver);
  t.deepEqual(during.headers['webhook-signature'].split(' ').map((s) => s.split(',')[0]), ['v1a', 'v1']);
  t.is(verifyWebhook(secret, during).type, 'parcel.sent', 'standardwebhooks still verifies the v1 signature');
  t.is(v1aMatches(during, publicKey), 1);

  const back = await rotate(key, created.body.id, { overlap_seconds: 0, signature_scheme: 'v1' });
  t.is(back.status, 200);
  const endpoint = await api.request('GET', `/v1/webhook-endpoints/${created.body.id}`, { token: key });
  t.is(endpoint.body.signature_scheme, 'v1');
  const newSecret = (await verifier(key, created.body.id)).body.secret;
  const after = await deliveredRequest(key, receiver);
  t.is(after.headers['webhook-signature'].split(' ').length, 1);
  t.is(verifyWebhook(newSecret, after).type, 'parcel.sent');
  t.is(v1aMatches(after, publicKey), 0);

  const audit = await api.request('GET', '/v1/audit-log', { token: key });
  t.deepEqual(audit.body.data.filter((e: any) => e.action === 'endpoint.secret_rotated').map((e: any) => e.data.signature_scheme), ['v1', 'v1a']);
});

test('an unknown scheme is a 400 naming the field', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const res = await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: 'https://example.com/h', event_types: ['*'], signature_scheme: 'v2' } });
  t.is(res.status, 400);
  t.is(res.body.errors[0].pointer, '/signature_scheme');
  const endpoint = (await api.request('POST', '/v1/webhook-endpoints', { token: key, body: { url: 'https://example.com/h', event_types: ['*'] } })).body;
  t.is((await rotate(key, endpoint.id, { signature_scheme: 'hmac' })).status, 400);
});
