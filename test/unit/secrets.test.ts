import test from 'ava';
import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret } from '../../src/delivery/secrets.ts';

const key = randomBytes(32);
const owner = { tenantId: '0b7c9a52-6d0e-4f5e-9a51-3f0d8f3b1c2a', endpointId: 'ep_01j0000000000000000000000a' };
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('a secret round-trips and its ciphertext does not contain it', (t) => {
  const sealed = encryptSecret(key, owner, secret);
  t.is(decryptSecret(key, owner, sealed), secret);
  t.false(sealed.toString('latin1').includes('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
  t.notDeepEqual(encryptSecret(key, owner, secret), sealed, 'a fresh nonce every time');
});

test('another key, another endpoint, another tenant or a flipped bit fails to decrypt', (t) => {
  const sealed = encryptSecret(key, owner, secret);
  t.throws(() => decryptSecret(randomBytes(32), owner, sealed));
  t.throws(() => decryptSecret(key, { ...owner, endpointId: 'ep_01j0000000000000000000000b' }, sealed));
  t.throws(() => decryptSecret(key, { ...owner, tenantId: '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f' }, sealed));
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1] ^= 1;
  t.throws(() => decryptSecret(key, owner, tampered));
  t.throws(() => decryptSecret(key, owner, sealed.subarray(0, 10)), { message: /unrecognised/ });
});
