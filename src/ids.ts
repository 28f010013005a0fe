// Prefixed, time-ordered ids: `prefix_` + 26 Crockford base32 characters (48-bit millisecond
// time + 80 random bits, ULID layout), so ids sort by creation time within a tenant.
import { randomBytes, randomUUID } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const ID_PREFIXES = {
  product: 'prod', variant: 'var', customer: 'cus', address: 'addr', order: 'ord', lineItem: 'li',
  coupon: 'cpn', endpoint: 'ep', event: 'evt', delivery: 'dlv', attempt: 'att', apiKey: 'key', audit: 'aud',
  image: 'img', discount: 'dsc', cart: 'cart', cartItem: 'cit', checkout: 'chk', page: 'page', post: 'post',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

let lastTime = 0;
let lastRandom = 0n;

export function newId(kind: IdKind, now = Date.now()): string {
  // Monotonic within a millisecond, so ids made in one process keep their order.
  let random: bigint;
  if (now <= lastTime) {
    now = lastTime;
    random = lastRandom + 1n;
  } else {
    random = BigInt(`0x${randomBytes(10).toString('hex')}`);
  }
  lastTime = now;
  lastRandom = random;
  let value = (BigInt(now) << 80n) | (random & ((1n << 80n) - 1n));
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return `${ID_PREFIXES[kind]}_${out}`;
}

export function isId(kind: IdKind, text: unknown): text is string {
  return typeof text === 'string' && new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-hjkmnp-tv-z]{26}$`).test(text);
}

export const newUuid = (): string => randomUUID();

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuidV4 = (text: unknown): text is string => typeof text === 'string' && UUID_V4.test(text);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (text: unknown): text is string => typeof text === 'string' && UUID.test(text);
