// Hostile input as a property: for every route of the route table (so a route added later is
// covered without editing this file), random and adversarial path ids, query strings, headers and
// bodies — wrong types, huge and deep values, invalid UTF-8, prototype keys, SQL metacharacters,
// out-of-range numbers. Every write answers a 4xx problem+json, every read a 2xx or a 4xx
// problem+json, nothing answers 5xx, and the database is the same afterwards (a digest of every
// table but the rate-limit counters, read as the owner). Bounded: a few runs per route
// (HERALD_PROPERTY_RUNS, default 8); a failure prints its seed (HERALD_PROPERTY_SEED replays it).
import anyTest, { type TestFn } from 'ava';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { z } from 'zod';
import { apiRoutes } from '../../src/http/app.ts';
import { ID_PREFIXES } from '../../src/ids.ts';
import { startApi, type TestApi } from '../helpers/api.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopHostOf } from '../helpers/storefront.ts';

const test = anyTest as TestFn;
const RUNS = Number(process.env.HERALD_PROPERTY_RUNS ?? 8);

let api: TestApi;
let key: string;
let shopHost: string;
let before: string;

/** A digest of every row of every table (what a hostile request must not change), as the owner. */
async function digest(): Promise<string> {
  const { rows: tables } = await api.db.owner.query(`
    select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r' and n.nspname in ('public', 'pgboss') and c.relname not in ('rate_limits', 'herald_migrations')
       and not (n.nspname = 'pgboss' and c.relname not in ('job')) order by 1`);
  const parts: string[] = [];
  for (const { name } of tables) {
    // last_used_at is noted outside the request's transaction, at most once a minute per key.
    const { rows } = await api.db.owner.query(
      `select coalesce(md5(string_agg(h, '' order by h)), '-') as d from (select md5((to_jsonb(t) - 'last_used_at')::text) as h from ${name} t) x`);
    parts.push(`${name}:${rows[0].d}`);
  }
  return parts.join('\n');
}

test.before(async () => {
  api = await startApi();
  const arranged = await tenantWithKey(api, { role: 'owner' });
  key = arranged.key;
  shopHost = shopHostOf(arranged.tenant);
  // Note the key's use now, so the digest does not see it noted later.
  await api.request('GET', '/v1/tenant', { token: key });
  await new Promise((r) => setTimeout(r, 200));
  before = await digest();
});
test.after.always(async () => { await api?.close(); });

// ── generators ──

const SQL = ["'", "' or '1'='1", "1; drop table events; --", '"; select pg_sleep(10); --', "\\'", '$1', '%', '_', 'NULL', "'||pg_read_file('/etc/passwd')||'"];
const PROTO = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];
const hugeString = fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n));
const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...SQL, ...PROTO, '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\u202e\u0041', '🦄'.repeat(50), '../../etc/passwd', '%00', '${7*7}', '{{7*7}}'),
  hugeString,
);
const weirdNumber = fc.oneof(
  fc.double(), fc.integer(), fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 2 ** 64, -0, 0.1, 1e-320, 99999999999999999999),
);
const weirdValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ maxDepth: 4 },
    weirdString, weirdNumber, fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(weirdString.filter((s) => s.length < 100), fc.constantFrom(...PROTO)), tie('value'), { maxKeys: 4 }),
  ),
})).value;
/** Nested past the 64 levels a body may have, or just inside them. */
const deep = fc.integer({ min: 60, max: 400 }).chain((depth) => fc.constantFrom(
  `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `${'['.repeat(depth)}${']'.repeat(depth)}`,
));
/** Percent-encoded; a lone surrogate (which no URL can carry) becomes U+FFFD first. */
const encode = (text: string) => encodeURIComponent(text.toWellFormed());

const anId = fc.oneof(
  weirdString.filter((s) => s.length > 0),
  fc.constantFrom(...Object.values(ID_PREFIXES)).chain((p) => fc.stringMatching(/^[0-9a-hjkmnp-tv-z]{26}$/).map((s) => `${p}_${s}`)),
  fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF'),
  weirdNumber.map(String),
);
/** A path segment: percent-encoded, or raw bytes that are not valid UTF-8 once decoded. */
const segment = fc.oneof(
  { weight: 4, arbitrary: anId.map(encode) },
  { weight: 1, arbitrary: fc.constantFrom('%ff', '%E0%A4%A', '%c0%ae%c0%ae', '%', '%%', '%2e%2e', 'a%00b') },
);

const keysOf = (schema: z.ZodType | undefined): string[] => Object.keys((schema as { shape?: object } | undefined)?.shape ?? {});

function queryString(known: string[]) {
  const name = fc.oneof(fc.constantFrom(...known, 'limit', 'starting_after', 'tenant_id', 'org_id', ...PROTO, 'a[b]', 'limit[]'), weirdString.filter((s) => s.length < 60));
  const value = fc.oneof(weirdString.filter((s) => s.length < 5_000), weirdNumber.map(String), fc.constantFrom('%ff', '%00', 'true', '[]', '{}'));
  return fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 5 }).map((pairs) =>
    pairs.map(([k, v, raw]) => `${encode(k)}=${raw && /^%/.test(v) ? v : encode(v)}`).join('&'));
}

/**
 * A body no route accepts: its own fields (from the route's schema) with hostile values, and at
 * least one field no schema knows (every input schema is strict); or JSON that is not an object,
 * too deep, malformed, not UTF-8, or over the size limit; or a type the route does not take.
 */
function hostileBody(known: string[]): fc.Arbitrary<{ bytes: Buffer; type: string }> {
  const json = (text: string) => ({ bytes: Buffer.from(text), type: 'application/json' });
  const poison = fc.oneof(fc.constantFrom(...PROTO, ...SQL, 'unknown_field', ''), weirdString.filter((s) => s.length < 100 && !known.includes(s)));
  const object = fc.tuple(fc.dictionary(fc.constantFrom('x', ...known), weirdValue, { maxKeys: known.length + 1 }), poison, weirdValue)
    .map(([fields, k, v]) => `{${[...Object.entries(fields), [k, v] as const].map(([name, val]) => `${JSON.stringify(name)}:${JSON.stringify(val) ?? 'null'}`).join(',')}}`);
  return fc.oneof(
    { weight: 6, arbitrary: object.map(json) },
    { weight: 1, arbitrary: fc.oneof(fc.array(weirdValue, { maxLength: 3 }), weirdString, weirdNumber, fc.constant(null), fc.boolean()).map((v) => json(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: deep.map(json) },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', '{"a":1}}', "{'a':1}", '{"a":NaN}', '{"a":1e999999}', '\u0000', '{"__proto__":{"admin":true},"x":[}').map(json) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ bytes: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, ...b]), Buffer.from('"}')]), type: 'application/json' })) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'image/svg+xml', 'application/json; charset=utf-16')
      .map((type) => ({ bytes: Buffer.from('a=b&{"x":1}'), type })) },
    { weight: 1, arbitrary: fc.constant(null).map(() => json(`{"name":"${'x'.repeat(1024 * 1024)}"}`)) },
  );
}

const headerValue = fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,300}$/), fc.constantFrom('', ' ', 'null', "'; drop table idempotency_keys; --", '__proto__'));

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

let lastAddress = 0;
/** One raw HTTP request from its own loopback address (so per-address limits do not stop the run). */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  const n = ++lastAddress;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${api.url}${path}`, {
      method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers, localAddress: `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${(n & 255) || 1}`,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (const r of apiRoutes) {
  const method = r.method.toUpperCase();
  const write = method !== 'GET';
  test.serial(`${method} ${r.path}: hostile input always gets a ${write ? '4xx' : '2xx or 4xx'} problem+json, never a 5xx`, async (t) => {
    t.timeout(120_000);
    const params = r.path.match(/:\w+/g) ?? [];
    const request = fc.record({
      segments: fc.tuple(...params.map(() => segment)),
      query: queryString(keysOf(r.query)),
      idempotencyKey: fc.option(headerValue),
      requestId: fc.option(headerValue),
      cartToken: fc.option(headerValue),
      body: write ? hostileBody(keysOf(r.body)) : fc.constant(undefined),
    });
    const property = fc.asyncProperty(request, async (q) => {
      let i = 0;
      const path = r.path.replace(/:\w+/g, () => q.segments[i++]) + (q.query ? `?${q.query}` : '');
      const token = r.access === 'admin' ? api.services.config.adminToken : typeof r.access === 'object' ? key : undefined;
      const headers: Record<string, string> = {
        host: r.access === 'shop' ? shopHost : '127.0.0.1',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(q.idempotencyKey !== null ? { 'idempotency-key': q.idempotencyKey } : {}),
        ...(q.requestId !== null ? { 'x-request-id': q.requestId } : {}),
        ...(q.cartToken !== null ? { 'cart-token': q.cartToken } : {}),
        ...(q.body ? { 'content-type': q.body.type } : {}),
      };
      const res = await send(method, path, headers, q.body?.bytes);
      const what = `${method} ${path.slice(0, 300)} → ${res.status} ${res.body.slice(0, 300)}`;
      if (res.status >= 500) throw new Error(`a 5xx: ${what}`);
      if (write && (res.status < 400 || res.status >= 500)) throw new Error(`a write that was not refused: ${what}`);
      if (res.status >= 400 && res.type !== 'application/problem+json') throw new Error(`not problem+json: ${what}`);
    });
    const report = await fc.check(property, { numRuns: RUNS, endOnFailure: true, ...(process.env.HERALD_PROPERTY_SEED ? { seed: Number(process.env.HERALD_PROPERTY_SEED) } : {}) });
    t.false(report.failed, `seed ${report.seed}: ${String(report.errorInstance ?? '').slice(0, 1500)}`);
    t.is(report.numRuns, RUNS, 'every generated request was sent and answered');
  });
}

test.serial('afterwards the database is as it was and the API still serves', async (t) => {
  t.is((await api.request('GET', '/healthz')).status, 200);
  t.is((await api.request('GET', '/v1/tenant', { token: key })).status, 200);
  t.is(await digest(), before);
});

test.serial('found by the property: a country that is not two letters is a 400, not a 500 (the region check threw)', async (t) => {
  for (const country of ['0.1', '1', 'ü1', '']) {
    const res = await api.request('POST', '/v1/customers', { token: key, body: { email: 'x@example.com', addresses: [{ line1: 'a', city: 'b', country }] } });
    t.is(res.status, 400, country);
  }
});
