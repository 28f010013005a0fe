import test from 'ava';
import { classify } from '../../src/delivery/classify.ts';
import type { HttpResult } from '../../src/delivery/client.ts';

const now = Date.parse('2026-01-01T00:00:00Z');
const policy = { scheduleMs: [5_000, 300_000], now, random: () => 0.5 };
const response = (statusCode: number, headers: Record<string, string> = {}): HttpResult => ({ statusCode, headers, body: '', error: null, durationMs: 10 });
const failure = (kind: NonNullable<HttpResult['error']>['kind']): HttpResult => ({ statusCode: null, headers: {}, body: '', error: { kind, message: 'x' }, durationMs: 10 });
const retryIn = (ms: number) => (o: ReturnType<typeof classify>) => o.kind === 'retry' && o.at.getTime() - now === ms;

test('any 2xx is delivered', (t) => {
  for (const status of [200, 201, 202, 204, 299]) t.deepEqual(classify(response(status), 1, policy), { kind: 'delivered' });
});

test('410 Gone disables the endpoint, whatever the attempt', (t) => {
  t.deepEqual(classify(response(410), 1, policy), { kind: 'disable', reason: 'the endpoint answered 410 Gone' });
  t.is(classify(response(410), 9, policy).kind, 'disable');
});

test('3xx, other 4xx/5xx, timeouts and network errors retry on the schedule', (t) => {
  for (const result of [response(302), response(301), response(400), response(404), response(500), response(502), failure('timeout'), failure('connection_refused'), failure('dns'), failure('address_refused')]) {
    t.true(retryIn(5_000)(classify(result, 1, policy)), JSON.stringify(result));
    t.true(retryIn(300_000)(classify(result, 2, policy)));
  }
  const redirect = classify(response(302), 1, policy);
  t.regex(redirect.kind === 'retry' ? redirect.reason : '', /redirect.*not followed/);
});

test('after the last scheduled attempt the delivery fails, saying why', (t) => {
  const outcome = classify(response(500), 3, policy);
  t.deepEqual(outcome, { kind: 'failed', reason: 'HTTP 500 on attempt 3, the last one' });
  const error = classify(failure('timeout'), 3, policy);
  t.is(error.kind === 'failed' && error.reason, 'timeout: x on attempt 3, the last one');
});

test('429 and 503 honour Retry-After instead of the step, even beyond it; others ignore it', (t) => {
  t.true(retryIn(600_000)(classify(response(429, { 'retry-after': '600' }), 1, policy)));
  t.true(retryIn(1_000)(classify(response(503, { 'retry-after': '1' }), 2, policy)));
  t.true(retryIn(3_600_000)(classify(response(503, { 'retry-after': '999999' }), 1, policy)), 'capped at an hour');
  t.true(retryIn(5_000)(classify(response(503, { 'retry-after': 'later' }), 1, policy)), 'malformed: the schedule');
  t.true(retryIn(5_000)(classify(response(500, { 'retry-after': '600' }), 1, policy)), 'only 429 and 503');
  t.is(classify(response(429, { 'retry-after': '1' }), 3, policy).kind, 'failed', 'Retry-After adds no attempts');
});
