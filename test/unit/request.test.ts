import test from 'ava';
import { Webhook } from 'standardwebhooks';
import { buildWebhookRequest } from '../../src/delivery/request.ts';
import { generateSecret, generateSigningKey, publicKeyOf } from '../../src/delivery/sign.ts';
import { v1aMatches } from '../helpers/ed25519.ts';
import { presentEvent, type StoredEvent } from '../../src/presenters/events.ts';

const row = {
  id: 'evt_01jd0000000000000000000000', type: 'order.paid', tenant_id: '6f1c2a52-6a8e-4c4b-9d8e-2b7a4f3c1d00', mode: 'live' as const,
  created_at: new Date('2026-11-29T10:00:00.000Z'), data: { id: 'ord_1', total: 2500, note: 'a "quoted" \u2028 ünïcode ☃ line' },
  previous_attributes: { status: 'pending' },
};
// As the delivery path reads it: the payloads still the JSON text they were stored as.
const event: StoredEvent = { ...row, data: JSON.stringify(row.data), previous_attributes: JSON.stringify(row.previous_attributes) };
const envelope = presentEvent(row);

test('the body is the event envelope GET /v1/events/:id answers, byte for byte, in the API\'s field order', (t) => {
  const { body } = buildWebhookRequest(event, [generateSecret()], 1, new Date());
  t.is(body, JSON.stringify(envelope));
  t.deepEqual(Object.keys(JSON.parse(body)), ['id', 'type', 'tenant_id', 'mode', 'created_at', 'data', 'previous_attributes']);
  const created = buildWebhookRequest({ ...event, previous_attributes: null }, [generateSecret()], 1, new Date()).body;
  t.is(created, JSON.stringify(presentEvent({ ...row, previous_attributes: null })), 'an event without previous attributes');
});

test('headers: the stable webhook-id, this attempt\'s timestamp and number, the tenant and the type', (t) => {
  const at = new Date('2026-11-29T10:00:07.900Z');
  const { headers } = buildWebhookRequest(event, [generateSecret()], 3, at);
  t.like(headers, {
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'herald-tenant-id': event.tenant_id,
    'herald-event-type': 'order.paid',
    'herald-attempt': '3',
  });
  t.deepEqual(Object.keys(headers).sort(), ['herald-attempt', 'herald-event-type', 'herald-tenant-id', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
});

test('one v1 signature per secret, each verifying with the public library', (t) => {
  const secrets = [generateSecret(), generateSecret()];
  const request = buildWebhookRequest(event, secrets, 1, new Date());
  t.is(request.headers['webhook-signature'].split(' ').length, 2);
  for (const secret of secrets) t.deepEqual(new Webhook(secret).verify(request.body, request.headers), envelope);
  t.throws(() => new Webhook(generateSecret()).verify(request.body, request.headers));
});

test('a whsk_ key signs v1a beside a whsec_ secret\'s v1: each verifies with its own key', (t) => {
  const [v1a, v1] = [generateSigningKey('v1a'), generateSecret()];
  const request = buildWebhookRequest(event, [v1a, v1], 1, new Date());
  t.deepEqual(request.headers['webhook-signature'].split(' ').map((s) => s.split(',')[0]), ['v1a', 'v1']);
  t.is(v1aMatches(request, publicKeyOf(v1a)), 1);
  t.deepEqual(new Webhook(v1).verify(request.body, request.headers), envelope);
});

test('the same inputs give the same request (a retry differs only in timestamp and attempt)', (t) => {
  const secrets = [generateSecret()];
  const at = new Date('2026-11-29T10:00:00Z');
  t.deepEqual(buildWebhookRequest(event, secrets, 2, at), buildWebhookRequest(event, secrets, 2, at));
  const later = buildWebhookRequest(event, secrets, 3, new Date(at.getTime() + 5_000));
  t.is(later.body, buildWebhookRequest(event, secrets, 2, at).body);
});
