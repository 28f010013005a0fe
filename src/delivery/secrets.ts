// Endpoint signing keys at rest (`whsec_` secrets and `whsk_` ed25519 private keys alike):
// AES-256-GCM under HERALD_ENCRYPTION_KEY, with the tenant and endpoint ids as associated data,
// so a ciphertext copied onto another endpoint or tenant fails to decrypt. Layout: version byte, 12-byte nonce, 16-byte tag, ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretOwner {
  tenantId: string;
  endpointId: string;
}

const associatedData = (owner: SecretOwner) => Buffer.from(`${owner.tenantId}/${owner.endpointId}`);

export function encryptSecret(key: Buffer, owner: SecretOwner, secret: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData(owner));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), nonce, cipher.getAuthTag(), ciphertext]);
}

/** Throws if the key, the owner or the bytes are not the ones it was encrypted with. */
export function decryptSecret(key: Buffer, owner: SecretOwner, sealed: Buffer): string {
  if (sealed.length <= 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new Error('unrecognised secret ciphertext');
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(associatedData(owner));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/**
 * Decrypted secrets kept by their ciphertext, so a worker opens each once. The ciphertexts are
 * read from the database with every batch, so a rotation or a revoke is seen at the next batch;
 * only the decryption is saved. Bounded: cleared when full.
 */
export class SecretCache {
  private readonly opened = new Map<string, string>();
  private readonly max: number;
  constructor(max = 10_000) {
    this.max = max;
  }

  /** `sealed`: the ciphertext in base64. */
  open(key: Buffer, owner: SecretOwner, sealed: string): string {
    const id = `${owner.tenantId}/${owner.endpointId}/${sealed}`;
    let secret = this.opened.get(id);
    if (secret === undefined) {
      secret = decryptSecret(key, owner, Buffer.from(sealed, 'base64'));
      if (this.opened.size >= this.max) this.opened.clear();
      this.opened.set(id, secret);
    }
    return secret;
  }
}
