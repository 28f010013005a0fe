import test from 'ava';
import { HttpError } from '../../src/errors.ts';
import { RateLimiter } from '../../src/http/rateLimit.ts';

const refusal = (fn: () => void) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof HttpError ? { status: err.status, headers: err.headers } : err;
  }
};

test('each key gets its own allowance per window, then a 429 saying when to come back', (t) => {
  const limiter = new RateLimiter(2, 60_000);
  t.is(refusal(() => limiter.hit('a', 0)), undefined);
  t.is(refusal(() => limiter.hit('a', 1_000)), undefined);
  t.deepEqual(refusal(() => limiter.hit('a', 30_000)), { status: 429, headers: { 'retry-after': '30' } });
  t.is(refusal(() => limiter.hit('b', 30_000)), undefined);
  t.is(refusal(() => limiter.hit('a', 60_000)), undefined, 'a new window');
});

test('tens of thousands of distinct clients in one window cost no more than a map lookup each', (t) => {
  // Sweeping expired windows on every new key made this take seconds (quadratic) once many
  // addresses were live: the very flood a limiter exists for.
  const limiter = new RateLimiter(300, 60_000);
  const started = performance.now();
  for (let i = 0; i < 60_000; i++) limiter.hit(`198.51.${i >> 8}.${i & 255}:${i}`, 1_000 + (i % 1_000));
  t.true(performance.now() - started < 1_000, `${Math.round(performance.now() - started)} ms`);
  t.deepEqual(refusal(() => { for (let i = 0; i < 301; i++) limiter.hit('one', 2_000); }), { status: 429, headers: { 'retry-after': '60' } });
});
