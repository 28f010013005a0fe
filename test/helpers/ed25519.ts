// v1a verification by an implementation independent of Herald's (and of Node's crypto): @noble/curves.
import { ed25519 } from '@noble/curves/ed25519.js';

/** Whether one `v1a,<base64>` signature verifies under a `whpk_` public key over `content` (`id.timestamp.body`). */
export function verifiesV1a(signature: string, publicKey: string, content: string): boolean {
  const [version, value] = signature.split(',');
  if (version !== 'v1a' || !publicKey.startsWith('whpk_')) return false;
  return ed25519.verify(Buffer.from(value, 'base64'), Buffer.from(content), Buffer.from(publicKey.slice('whpk_'.length), 'base64'));
}

/** The v1a signatures of a received webhook that verify under `publicKey`. */
export function v1aMatches(request: { headers: Record<string, string>; body: string }, publicKey: string): number {
  const content = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
  return request.headers['webhook-signature'].split(' ').filter((s) => verifiesV1a(s, publicKey, content)).length;
}
