// Standard Webhooks signatures (https://www.standardwebhooks.com) over `id.timestamp.body`, in
// either scheme an endpoint chooses (its `signature_scheme`):
//   v1   HMAC-SHA256 keyed with the decoded bytes of a `whsec_` secret (shared with the receiver);
//   v1a  ed25519 with a `whsk_` private key, which never leaves Herald; receivers verify with its
//        public key, `whpk_` + base64 of the 32 raw public-key bytes.
// A signing key carries its scheme in its prefix, so a list of keys signs in mixed schemes: during
// a rotation (even one that switches scheme) every still-valid key signs, space-separated.
import {
  createHmac, createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, sign as signWith, timingSafeEqual, verify, type KeyObject,
} from 'node:crypto';

export type SignatureScheme = 'v1' | 'v1a';

const PREFIX = 'whsec_';
const PRIVATE_PREFIX = 'whsk_';
const PUBLIC_PREFIX = 'whpk_';
const SECRET_BYTES = 32;

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * A new signing key of `scheme`: a `whsec_` secret, or a `whsk_` ed25519 private key (base64 of
 * the 32-byte seed followed by the 32-byte public key, NaCl's layout).
 */
export function generateSigningKey(scheme: SignatureScheme): string {
  if (scheme === 'v1') return generateSecret();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return PRIVATE_PREFIX + Buffer.concat([seed, raw]).toString('base64');
}

export const schemeOf = (key: string): SignatureScheme => (key.startsWith(PRIVATE_PREFIX) ? 'v1a' : 'v1');

/** The HMAC key of a `whsec_…` secret: its decoded bytes. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

function ed25519PrivateKey(key: string): KeyObject {
  const bytes = Buffer.from(key.slice(PRIVATE_PREFIX.length), 'base64');
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: bytes.subarray(0, 32).toString('base64url'), x: bytes.subarray(32, 64).toString('base64url') },
    format: 'jwk',
  });
}

/** What a receiver verifies a `whsk_` key's signatures with: `whpk_` + base64 of the raw public key. */
export function publicKeyOf(key: string): string {
  const jwk = createPublicKey(ed25519PrivateKey(key)).export({ format: 'jwk' });
  return PUBLIC_PREFIX + Buffer.from(jwk.x!, 'base64url').toString('base64');
}

// Keys prepared once per signing key: an HMAC over a prepared key costs a sixth of one over raw
// bytes, which Node re-imports on every call, and an ed25519 key is parsed once. Bounded: cleared when full.
const keys = new Map<string, KeyObject>();
function prepared(key: string): KeyObject {
  let object = keys.get(key);
  if (!object) {
    if (keys.size >= 10_000) keys.clear();
    keys.set(key, (object = schemeOf(key) === 'v1a' ? ed25519PrivateKey(key) : createSecretKey(secretKey(key))));
  }
  return object;
}

/** The `webhook-signature` header value: one `v1,<signature>` or `v1a,<signature>` per signing key, in order. */
export function sign(signingKeys: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return signingKeys.map((key) => (schemeOf(key) === 'v1a'
    ? `v1a,${signWith(null, Buffer.from(content), prepared(key)).toString('base64')}`
    : `v1,${createHmac('sha256', prepared(key)).update(content).digest('base64')}`)).join(' ');
}

/**
 * The receiver's side, for `herald listen`: the scheme of the first signature in a
 * `webhook-signature` header that verifies over `id.timestamp.body` with `key` — a `whsec_`
 * secret checks the v1 signatures, a `whpk_` public key the v1a ones — or undefined.
 */
export function verifySignature(header: string, key: string, id: string, timestamp: string, body: string): SignatureScheme | undefined {
  const content = Buffer.from(`${id}.${timestamp}.${body}`);
  const publicKey = key.startsWith(PUBLIC_PREFIX)
    ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.slice(PUBLIC_PREFIX.length), 'base64').toString('base64url') }, format: 'jwk' })
    : undefined;
  const expected = publicKey ? undefined : createHmac('sha256', secretKey(key)).update(content).digest();
  for (const signature of header.split(' ')) {
    const [version, value = ''] = signature.split(',');
    const bytes = Buffer.from(value, 'base64');
    if (publicKey && version === 'v1a' && bytes.length === 64 && verify(null, content, publicKey, bytes)) return 'v1a';
    if (expected && version === 'v1' && bytes.length === expected.length && timingSafeEqual(bytes, expected)) return 'v1';
  }
  return undefined;
}
