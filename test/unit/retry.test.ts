import test from 'ava';
import { parseRetryAfter, RETRY_AFTER_CAP_MS, scheduledDelay } from '../../src/delivery/retry.ts';

const schedule = [5_000, 300_000, 1_800_000];

test('the schedule gives the delay before attempts 2..n, then nothing', (t) => {
  t.is(scheduledDelay(1, schedule, () => 0.5), 5_000);
  t.is(scheduledDelay(2, schedule, () => 0.5), 300_000);
  t.is(scheduledDelay(3, schedule, () => 0.5), 1_800_000);
  t.is(scheduledDelay(4, schedule, () => 0.5), undefined);
  t.is(scheduledDelay(1, [], () => 0.5), undefined);
});

test('jitter stays within ±20 %', (t) => {
  t.is(scheduledDelay(1, schedule, () => 0), 4_000);
  t.is(scheduledDelay(1, schedule, () => 0.999999), 6_000);
  for (let i = 0; i < 200; i++) {
    const d = scheduledDelay(2, schedule)!;
    t.true(d >= 240_000 && d <= 360_000);
  }
});

test('Retry-After is seconds or an HTTP date, capped at an hour, and ignored when malformed', (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.is(parseRetryAfter('120', now), 120_000);
  t.is(parseRetryAfter(' 0 ', now), 0);
  t.is(parseRetryAfter('86400', now), RETRY_AFTER_CAP_MS);
  t.is(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  t.is(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past means now');
  t.is(parseRetryAfter('Fri, 02 Jan 2026 00:00:00 GMT', now), RETRY_AFTER_CAP_MS);
  for (const bad of [undefined, '', '-5', '1.5', 'soon', '2026-01-01', 'Thu, 99 Foo 2026']) t.is(parseRetryAfter(bad, now), undefined, String(bad));
});
