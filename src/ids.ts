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

// The random part as 16 base-32 digits, kept to step it by one within a millisecond. Plain
// numbers, no BigInt: ids are made for every delivery and attempt, thousands a second.
let lastTime = 0;
const random = new Array<number>(16).fill(0);

export function newId(kind: IdKind, now = Date.now()): string {
  // Monotonic within a millisecond, so ids made in one process keep their order.
  if (now <= lastTime) {
    now = lastTime;
    for (let i = 15; i >= 0 && ++random[i] === 32; i--) random[i] = 0;
  } else {
    const bytes = randomBytes(10);
    for (let i = 0; i < 16; i++) {
      const bit = i * 5; // 5 bits starting at `bit` of the 80
      const word = (bytes[bit >> 3] << 8) | (bytes[(bit >> 3) + 1] ?? 0);
      random[i] = (word >> (11 - (bit & 7))) & 31;
    }
  }
  if (now !== lastTime || !timePart) timePart = encodeTime(now);
  lastTime = now;
  let tail = '';
  for (const digit of random) tail += ALPHABET[digit];
  return `${ID_PREFIXES[kind]}_${timePart}${tail}`;
}

let timePart = '';
function encodeTime(ms: number): string {
  let time = '';
  for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  return time;
}

/**
 * The smallest id of `kind` made at `at`'s millisecond: every id made earlier sorts below it
 * (byte order, which matches any collation over this alphabet), so "created before `at`" is a
 * range of the primary key. Retention uses it.
 */
export function idFloor(kind: IdKind, at: Date): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(Math.max(0, at.getTime()))}${'0'.repeat(16)}`;
}

const SHAPES = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`)]),
) as Record<IdKind, RegExp>;

export function isId(kind: IdKind, text: unknown): text is string {
  return typeof text === 'string' && SHAPES[kind].test(text);
}

export const newUuid = (): string => randomUUID();

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuidV4 = (text: unknown): text is string => typeof text === 'string' && UUID_V4.test(text);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (text: unknown): text is string => typeof text === 'string' && UUID.test(text);
