import test from 'ava';
import { Webhook } from 'standardwebhooks';
import { generateSecret, secretKey, sign } from '../../src/delivery/sign.ts';

test('the Standard Webhooks published test vector reproduces exactly', (t) => {
  const signature = sign(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
  t.is(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

test('new secrets are whsec_ + base64 of 32 random bytes, and the key is the decoded bytes', (t) => {
  const a = generateSecret();
  const b = generateSecret();
  t.regex(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
  t.not(a, b);
  t.is(secretKey(a).length, 32);
  t.deepEqual(secretKey(a), Buffer.from(a.slice(6), 'base64'));
});

test('during a rotation every secret signs, space-separated, and each verifies with the public library', (t) => {
  const [current, previous] = [generateSecret(), generateSecret()];
  const body = JSON.stringify({ id: 'evt_1', type: 'order.paid', data: { total: 100 } });
  const timestamp = Math.floor(Date.now() / 1000);
  const header = sign([current, previous], 'evt_1', timestamp, body);
  t.regex(header, /^v1,\S+ v1,\S+$/);
  const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': header };
  for (const secret of [current, previous]) t.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
  t.throws(() => new Webhook(generateSecret()).verify(body, headers));
  t.throws(() => new Webhook(current).verify(body.replace('100', '101'), headers), undefined, 'the body is covered');
});
