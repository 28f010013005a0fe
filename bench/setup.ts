// Tenants, keys and endpoints for the delivery benchmarks, created through Herald's own API, and
// the clients that ingest events through it.
import { Pool as HttpPool } from 'undici';

export interface BenchTenant {
  id: string;
  key: string;
  endpoints: string[];
}

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * `tenants` tenants with one secret key each (live mode) and `endpointsEach` endpoints each,
 * spread over the receivers' ports; endpoint j of tenant i posts to /t<i>e<j>.
 */
export async function createTenants(
  apiUrl: string, adminToken: string, receiverPorts: number[], tenants: number, endpointsEach: number,
  endpointFields: (tenant: number, endpoint: number) => Record<string, unknown> = () => ({}),
): Promise<BenchTenant[]> {
  const out: BenchTenant[] = [];
  for (let i = 0; i < tenants; i++) {
    const tenant = await call(apiUrl, adminToken, 'POST', '/admin/v1/tenants', { name: `Bench ${i} ${Date.now()}` });
    // The per-tenant API limit (default 1,000/s) would throttle ingestion, which is not what is measured.
    await call(apiUrl, adminToken, 'PATCH', `/admin/v1/tenants/${tenant.id}`, { api_rate_limit: 1_000_000 });
    const org = await call(apiUrl, adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Bench' });
    const { key } = await call(apiUrl, adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { org_id: org.id, mode: 'live', kind: 'secret', role: 'owner' });
    const endpoints: string[] = [];
    for (let j = 0; j < endpointsEach; j++) {
      const port = receiverPorts[(i * endpointsEach + j) % receiverPorts.length];
      const ep = await call(apiUrl, key, 'POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${port}/t${i}e${j}`, event_types: ['*'], ...endpointFields(i, j) });
      endpoints.push(ep.id);
    }
    out.push({ id: tenant.id, key, endpoints });
  }
  return out;
}

/** A keep-alive client for POST /v1/events. */
export function eventClient(apiUrl: string, connections = 32) {
  const http = new HttpPool(apiUrl, { connections, allowH2: false });
  return {
    async emit(key: string, type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ id: string; created_at: string }> {
      const res = await http.request({
        method: 'POST', path: '/v1/events', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type, data, ...extra }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`POST /v1/events: ${res.statusCode} ${text}`);
      return JSON.parse(text);
    },
    close: () => http.close(),
  };
}

/** Sends `total` events from `clients` concurrent clients, round-robin over the tenants; returns when all committed. */
export async function ingest(
  client: ReturnType<typeof eventClient>, tenants: BenchTenant[], total: number, clients: number, progress?: (n: number) => void,
): Promise<{ first: number; last: number }> {
  let next = 0;
  let first = Infinity;
  let last = 0;
  let lastReport = Date.now();
  const worker = async () => {
    for (let n = next++; n < total; n = next++) {
      const tenant = tenants[n % tenants.length];
      const event = await client.emit(tenant.key, 'bench.sent', { n, note: 'a benchmark event with a small payload' });
      const at = Date.parse(event.created_at);
      first = Math.min(first, at);
      last = Math.max(last, at);
      if (progress && Date.now() - lastReport > 2_000) {
        progress(n);
        lastReport = Date.now();
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return { first, last };
}
