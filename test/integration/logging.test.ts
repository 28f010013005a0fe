// One structured log line per request, carrying request id, route template, status and tenant.
import test from 'ava';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createApp } from '../../src/http/app.ts';
import { closeServer, listen } from '../../src/runtime.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('each request logs one line with its request id, route template, status and tenant id', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
  const server = await listen(createApp({ ...api.services, logger: pino({ level: 'info' }, sink) }), 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const { tenant, key, keyId } = await tenantWithKey(api);
    await fetch(`${url}/v1/api-keys/${keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}`, 'x-request-id': 'req-logged-1' } });
    await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'req-logged-2' } });
    const revoke = lines.filter((l) => l.request_id === 'req-logged-1');
    t.is(revoke.length, 1);
    t.like(revoke[0], { msg: 'request', method: 'DELETE', route: '/v1/api-keys/:id', status: 204, tenant_id: tenant.id });
    t.is(typeof revoke[0].duration_ms, 'number');
    t.false(JSON.stringify(revoke[0]).includes(key), 'the credential is never logged');
    t.like(lines.find((l) => l.request_id === 'req-logged-2'), { route: '/healthz', status: 200, tenant_id: null });
  } finally {
    await closeServer(server, 500);
  }
});
