// Rules shared by the resources: finding one by id (or a 404), metadata merge patches, and
// duplicate unique values.
import type { Config } from '../config.ts';
import { conflict, notFound, unprocessable, validationFailed } from '../errors.ts';
import { isId, type IdKind } from '../ids.ts';
import { checkUrl } from '../net/address.ts';

const NOUNS: Record<IdKind, string> = {
  product: 'product', variant: 'variant', customer: 'customer', address: 'address', order: 'order', lineItem: 'line item',
  coupon: 'coupon', endpoint: 'webhook endpoint', event: 'event', delivery: 'delivery', attempt: 'attempt', apiKey: 'API key', audit: 'audit entry',
  image: 'image', discount: 'discount', cart: 'cart', cartItem: 'cart item', checkout: 'checkout', page: 'page', post: 'post',
};

/**
 * The row `find` returns for this id, or a 404 `no such <kind>`. An id of the wrong shape is not
 * looked up; a row of another tenant or mode is invisible to `find` (row-level security), so it
 * answers exactly as one that never existed.
 */
export async function findOr404<T>(kind: IdKind, id: string, find: (id: string) => Promise<T | undefined>): Promise<T> {
  const row = isId(kind, id) ? await find(id) : undefined;
  if (row === undefined) throw notFound(`no such ${NOUNS[kind]}`);
  return row;
}

export type Metadata = Record<string, string>;
export type MetadataPatch = Record<string, string | null> | null;
export const MAX_METADATA_KEYS = 50;

/**
 * RFC 7386 on the metadata map: a null value removes its key, a null map removes every key. The
 * result keeps the limit of MAX_METADATA_KEYS (each body is checked alone, so a patch adding new
 * keys to a full map is refused here).
 */
export function mergeMetadata(current: Metadata, patch: MetadataPatch | undefined): Metadata {
  if (patch === undefined) return current;
  if (patch === null) return {};
  // A Map, not property assignment, so a key such as "__proto__" stays an ordinary key.
  const merged = new Map(Object.entries(current));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, value);
  }
  if (merged.size > MAX_METADATA_KEYS) {
    const detail = `would hold ${merged.size} keys; at most ${MAX_METADATA_KEYS} are allowed (remove some with null)`;
    throw unprocessable(`metadata ${detail}`, [{ pointer: '/metadata', detail }]);
  }
  return Object.fromEntries(merged);
}

/** A merge-patched scalar: absent keeps the current value, null clears it. */
export const patched = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);

/**
 * Turns a unique violation of one of `constraints` (index name → what is duplicated) into a 409;
 * anything else is rethrown as it is. Postgres's own detail names the tenant, so it never leaves.
 */
export function duplicateAs(constraints: Record<string, string>) {
  return (err: unknown): never => {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23505' && e.constraint && constraints[e.constraint]) throw conflict(constraints[e.constraint]);
    throw err;
  };
}

/**
 * A URL as it will be stored (WHATWG-normalised) if Herald could fetch it under the outbound
 * address rules (webhook endpoints; image references, which Herald never fetches), or a 400/422
 * naming `pointer`.
 */
export function acceptableUrl(config: Config, text: string, pointer = '/url'): string {
  const decision = checkUrl(text, { allow: config.allowPrivateNetworks, production: config.production });
  if (decision.allowed) return decision.url.href;
  const errors = [{ pointer, detail: decision.reason }];
  throw decision.problem === 'invalid' ? validationFailed(errors) : unprocessable(`url is not allowed: ${decision.reason}`, errors);
}
