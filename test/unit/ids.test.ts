// Serial, in this order: ids are monotonic per process, so a test that makes ids for a later time
// moves every later id to that time at least.
import test from 'ava';
import { idFloor, isId, newId } from '../../src/ids.ts';

const base32 = (n: bigint, digits: number) => {
  let out = '';
  for (let i = 0; i < digits; i++, n >>= 5n) out = '0123456789abcdefghjkmnpqrstvwxyz'[Number(n & 31n)] + out;
  return out;
};

test.serial('an id is the prefix, then 26 Crockford base-32 characters: 10 of time, 16 of randomness', (t) => {
  const id = newId('delivery');
  t.regex(id, /^dlv_[0-9a-hjkmnp-tv-z]{26}$/);
  t.true(isId('delivery', id));
  t.false(isId('event', id));
  t.false(isId('delivery', `${id}x`));
  t.false(isId('delivery', id.toUpperCase()));
});

test.serial('the random part of each new millisecond uses all 80 bits', (t) => {
  const start = Date.now() + 1_000;
  const tails = new Set(Array.from({ length: 64 }, (_, i) => newId('event', start + i).slice(14)));
  t.is(tails.size, 64);
  t.true(new Set([...tails].map((tail) => tail[0])).size > 8, 'the leading random digit varies');
  t.true(new Set([...tails].map((tail) => tail[15])).size > 8, 'and the last');
});

test.serial('within one millisecond the random part steps by one, so ids made in one process keep their order', (t) => {
  const now = Date.now() + 10_000;
  const ids = Array.from({ length: 200 }, () => newId('attempt', now));
  t.deepEqual([...ids].sort(), ids);
  t.is(new Set(ids).size, 200);
  t.true(ids.every((id) => id.slice(4, 14) === base32(BigInt(now), 10)));
  t.true(newId('attempt', now - 5_000) > ids.at(-1)!, 'a clock that steps back keeps the last time');
});

test.serial('the time part is the millisecond in base 32, so ids sort by creation across milliseconds', (t) => {
  const at = 2 ** 47 + 12_345;
  const earlier = newId('event', at);
  const later = newId('event', at + 1);
  t.is(earlier.slice(4, 14), base32(BigInt(at), 10));
  t.true(earlier < later);
  t.is(newId('event', 2 ** 48 - 1).slice(4, 14), '7zzzzzzzzz', 'the largest 48-bit time, as in ULIDs');
});

test.serial('idFloor is the smallest id of its millisecond, so "made before" is a range of ids (what retention uses)', (t) => {
  const at = Date.parse('2026-03-01T12:00:00.123Z');
  const floor = idFloor('event', new Date(at));
  t.true(isId('event', floor));
  t.is(floor, `evt_${base32(BigInt(at), 10)}${'0'.repeat(16)}`);
  t.true(`evt_${base32(BigInt(at - 1), 10)}${'z'.repeat(16)}` < floor, 'the last id of the millisecond before');
  t.true(floor < `evt_${base32(BigInt(at + 1), 10)}${'0'.repeat(16)}`);
  t.is(idFloor('audit', new Date(0)), 'aud_00000000000000000000000000');
});
