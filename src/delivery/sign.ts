// Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,` + base64 of
// HMAC-SHA256 over `id.timestamp.body`, keyed with the secret's decoded bytes. During a
// rotation every still-valid secret signs, space-separated, so receivers accept either.
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key of a `whsec_…` secret: its decoded bytes. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

// HMAC keys prepared once per secret: an HMAC over a prepared key costs a sixth of one over raw
// bytes, which Node re-imports on every call. Bounded: cleared when full.
const keys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 10_000) keys.clear();
    keys.set(secret, (key = createSecretKey(secretKey(secret))));
  }
  return key;
}

/** The `webhook-signature` header value: one `v1,<signature>` per secret. */
export function sign(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', hmacKey(s)).update(content).digest('base64')}`).join(' ');
}
