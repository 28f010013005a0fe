import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('healthz and readyz answer ok with a request id', async (t) => {
  const health = await api.request('GET', '/healthz');
  t.is(health.status, 200);
  t.truthy(health.headers.get('x-request-id'));
  const ready = await api.request('GET', '/readyz');
  t.deepEqual(ready.body, { status: 'ok' });
});

test('an incoming x-request-id is echoed back', async (t) => {
  const res = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
  t.is(res.headers.get('x-request-id'), 'abc-123');
});

test('unknown routes answer 404 problem+json', async (t) => {
  const res = await api.request('GET', '/v1/nothing-here');
  t.is(res.status, 404);
  t.is(res.headers.get('content-type'), 'application/problem+json');
  t.like(res.body, { status: 404, title: 'Not Found' });
});

test('a wrong method answers 405 with Allow', async (t) => {
  const res = await api.request('DELETE', '/healthz');
  t.is(res.status, 405);
  t.regex(res.headers.get('allow') ?? '', /GET/);
  t.is(res.headers.get('content-type'), 'application/problem+json');
});

test('malformed JSON answers 400, a non-JSON body 415, an oversized body 413', async (t) => {
  const malformed = await api.request('POST', '/admin/v1/tenants', { raw: '{"name":', headers: { 'content-type': 'application/json', authorization: 'Bearer x' } });
  t.is(malformed.status, 400);
  const text = await api.request('POST', '/admin/v1/tenants', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(text.status, 415);
  const huge = await api.request('POST', '/admin/v1/tenants', { raw: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }), headers: { 'content-type': 'application/json' } });
  t.is(huge.status, 413);
  t.is(huge.headers.get('content-type'), 'application/problem+json');
});
