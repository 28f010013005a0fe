import { ed25519 } from '@noble/curves/ed25519.js';
import test from 'ava';
import { Webhook } from 'standardwebhooks';
import { generateSecret, generateSigningKey, publicKeyOf, schemeOf, secretKey, sign, verifySignature } from '../../src/delivery/sign.ts';
import { verifiesV1a } from '../helpers/ed25519.ts';

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

test('v1a keys are whsk_ ed25519 private keys; their whpk_ public key verifies the signature with an independent implementation', (t) => {
  const key = generateSigningKey('v1a');
  t.regex(key, /^whsk_[A-Za-z0-9+/]{86}==$/, 'base64 of the 32-byte seed and the 32-byte public key');
  t.is(schemeOf(key), 'v1a');
  const publicKey = publicKeyOf(key);
  t.regex(publicKey, /^whpk_[A-Za-z0-9+/]{43}=$/);
  t.deepEqual(Buffer.from(publicKey.slice(5), 'base64'), Buffer.from(key.slice(5), 'base64').subarray(32), 'the public half of the key');
  const body = '{"id":"evt_1","type":"order.paid","data":{"total":100}}';
  const header = sign([key], 'evt_1', 1_700_000_000, body);
  t.regex(header, /^v1a,[A-Za-z0-9+/]{86}==$/);
  t.true(verifiesV1a(header, publicKey, `evt_1.1700000000.${body}`));
  t.false(verifiesV1a(header, publicKey, `evt_1.1700000001.${body}`), 'the timestamp is covered');
  t.false(verifiesV1a(header, publicKeyOf(generateSigningKey('v1a')), `evt_1.1700000000.${body}`), 'another key does not verify');
  t.is(sign([key], 'evt_1', 1_700_000_000, body), header, 'ed25519 signatures are deterministic');
});

test('the same seed signs as noble does: the key layout is NaCl\'s (seed, then public key)', (t) => {
  const seed = Buffer.alloc(32, 7);
  const key = `whsk_${Buffer.concat([seed, Buffer.from(ed25519.getPublicKey(seed))]).toString('base64')}`;
  const content = 'msg_1.1614265330.{"test": 2432232314}';
  const expected = Buffer.from(ed25519.sign(Buffer.from(content), seed)).toString('base64');
  t.is(sign([key], 'msg_1', 1614265330, '{"test": 2432232314}'), `v1a,${expected}`);
});

test('keys of both schemes sign side by side, in order, each in its own scheme', (t) => {
  const v1 = generateSecret();
  const v1a = generateSigningKey('v1a');
  t.is(schemeOf(v1), 'v1');
  const body = '{"a":1}';
  const [first, second] = sign([v1a, v1], 'evt_2', 1_700_000_000, body).split(' ');
  t.true(verifiesV1a(first, publicKeyOf(v1a), `evt_2.1700000000.${body}`));
  t.is(second, sign([v1], 'evt_2', 1_700_000_000, body), 'the v1 signature is the HMAC alone would give');
});

test('verifySignature finds the signature its key verifies: a whsec_ secret the v1 one, a whpk_ public key the v1a one', (t) => {
  const [v1, v1a] = [generateSecret(), generateSigningKey('v1a')];
  const header = sign([v1a, v1], 'evt_3', 1_700_000_000, '{"b":2}');
  t.is(verifySignature(header, v1, 'evt_3', '1700000000', '{"b":2}'), 'v1');
  t.is(verifySignature(header, publicKeyOf(v1a), 'evt_3', '1700000000', '{"b":2}'), 'v1a');
  t.is(verifySignature(header, generateSecret(), 'evt_3', '1700000000', '{"b":2}'), undefined);
  t.is(verifySignature(header, v1, 'evt_3', '1700000001', '{"b":2}'), undefined, 'the timestamp is covered');
  t.is(verifySignature(header, publicKeyOf(v1a), 'evt_3', '1700000000', '{"b":3}'), undefined, 'the body is covered');
  t.is(verifySignature('v1,garbage v1a,', v1, 'evt_3', '1700000000', '{"b":2}'), undefined);
});
