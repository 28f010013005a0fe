// Isolation as a property: random sequences of operations by several tenants, organizations and
// both modes (writes, reads by id — often someone else's id —, lists, orders referencing someone
// else's variant, webhooks delivered for real). No response, webhook or log line carries another
// tenant's data (nor another mode's; an organization's keys stay its own), and under the app's
// own database role each scope sees exactly its own rows.
//
// Every value a test writes carries a marker naming its scope (iso-T1-live-o0-…), and every id a
// response, webhook or log line holds is looked up (as the owner) for the scope it belongs to.
import test from 'ava';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { withTenant } from '../../src/db/tenant.ts';
import type { Mode } from '../../src/scope.ts';
import { startDeliveryStack, type DeliveryStack } from '../helpers/delivery.ts';
import { createTenant } from '../helpers/factories.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

const RUNS = Number(process.env.HERALD_PROPERTY_RUNS ?? 8);
const MODES: Mode[] = ['live', 'test'];

interface Actor {
  tenant: number;
  tenantId: string;
  org: number;
  orgId: string;
  mode: Mode;
  key: string;
}

/** What a caller saw: checked at the end against the ids' owners. */
interface Seen {
  actor: Actor;
  /** What the caller sent (an id it sent may come back, e.g. in a 404's detail: it told nothing new). */
  sent: string;
  text: string;
}

let stack: DeliveryStack;
let receiver: Receiver;
const logLines: string[] = [];
const actors: Actor[] = [];
const seen: Seen[] = [];
/** Ids the model made, by kind, with their scope (a read by id expects 200 exactly when the scope is the caller's). */
const made: Array<{ path: string; id: string; tenant: number; mode: Mode }> = [];
const variants: Array<{ id: string; tenant: number; mode: Mode }> = [];

test.before(async () => {
  const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { logLines.push(...String(chunk).split('\n').filter(Boolean)); done(); } }));
  stack = await startDeliveryStack({ logger });
  receiver = await startReceiver();
  const api = stack.api;
  // Three tenants: two with two organizations each; an owner key per organization and mode.
  for (let t = 0; t < 3; t++) {
    const tenant = await createTenant(api);
    const orgIds = [tenant.orgId];
    if (t < 2) orgIds.push((await api.admin('POST', `/admin/v1/tenants/${tenant.id}/organizations`, { name: 'Second' })).body.id);
    for (const [o, orgId] of orgIds.entries()) {
      for (const mode of MODES) {
        const res = await api.admin('POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { org_id: orgId, mode, kind: 'secret', role: 'owner' });
        actors.push({ tenant: t, tenantId: tenant.id, org: o, orgId, mode, key: res.body.key });
      }
    }
  }
});
test.after.always(async () => {
  await receiver?.close();
  await stack?.close();
});

const marker = (a: Actor, kind = 'iso') => `${kind}-T${a.tenant}-${a.mode}-o${a.org}-${randomBytes(3).toString('hex')}`;

async function call(a: Actor, method: string, path: string, body?: unknown) {
  const res = await stack.api.request(method, path, { token: a.key, body });
  seen.push({ actor: a, sent: `${path} ${JSON.stringify(body ?? '')}`, text: JSON.stringify(res.body ?? '') });
  return res;
}

type Op = { kind: string; actor: number; pick: number };
const op = fc.record({
  kind: fc.constantFrom('product', 'customer', 'event', 'endpoint', 'key', 'get', 'patch', 'list', 'order', 'member'),
  actor: fc.nat(),
  pick: fc.nat(),
});

/** Runs one operation and checks its answer's status against the model. */
async function run(t: any, o: Op): Promise<void> {
  const a = actors[o.actor % actors.length];
  const mine = (x: { tenant: number; mode: Mode }) => x.tenant === a.tenant && x.mode === a.mode;
  switch (o.kind) {
    case 'product': {
      const m = marker(a);
      const res = await call(a, 'POST', '/v1/products', { name: m, description: m, variants: [{ sku: m, price: 100, currency: 'USD', inventory_quantity: 5 }] });
      t.is(res.status, 201);
      made.push({ path: '/v1/products', id: res.body.id, tenant: a.tenant, mode: a.mode });
      variants.push({ id: res.body.variants[0].id, tenant: a.tenant, mode: a.mode });
      return;
    }
    case 'customer': {
      const m = marker(a);
      const res = await call(a, 'POST', '/v1/customers', { email: `${m}@example.com`, name: m });
      t.is(res.status, 201);
      made.push({ path: '/v1/customers', id: res.body.id, tenant: a.tenant, mode: a.mode });
      return;
    }
    case 'event': {
      const res = await call(a, 'POST', '/v1/events', { type: 'iso.happened', data: { note: marker(a) } });
      t.is(res.status, 201);
      made.push({ path: '/v1/events', id: res.body.id, tenant: a.tenant, mode: a.mode });
      return;
    }
    case 'endpoint': {
      const m = marker(a);
      const res = await call(a, 'POST', '/v1/webhook-endpoints', { url: `${receiver.url}/hook/T${a.tenant}/${a.mode}/${m}`, event_types: ['*'], description: m });
      t.is(res.status, 201);
      made.push({ path: '/v1/webhook-endpoints', id: res.body.id, tenant: a.tenant, mode: a.mode });
      return;
    }
    case 'key': {
      const res = await call(a, 'POST', '/v1/api-keys', { name: marker(a, 'isokey'), mode: a.mode, kind: 'secret', role: 'viewer' });
      t.is(res.status, 201);
      return;
    }
    case 'member': {
      const m = marker(a, 'isokey');
      const res = await call(a, 'POST', '/v1/members', { email: `${m}@example.com`, role: 'viewer', password: 'correct horse battery staple' });
      t.is(res.status, 201);
      return;
    }
    case 'get': {
      if (!made.length) return;
      const target = made[o.pick % made.length];
      const res = await call(a, 'GET', `${target.path}/${target.id}`);
      t.is(res.status, mine(target) ? 200 : 404, `GET ${target.path}/${target.id} by T${a.tenant} ${a.mode}`);
      return;
    }
    case 'patch': {
      const products = made.filter((x) => x.path === '/v1/products');
      if (!products.length) return;
      const target = products[o.pick % products.length];
      const res = await call(a, 'PATCH', `/v1/products/${target.id}`, { name: marker(a) });
      t.is(res.status, mine(target) ? 200 : 404);
      return;
    }
    case 'order': {
      if (!variants.length) return;
      const v = variants[o.pick % variants.length];
      const res = await call(a, 'POST', '/v1/orders', { line_items: [{ variant_id: v.id, quantity: 1 }] });
      t.is(res.status, mine(v) ? 201 : 422, `order of ${v.id} by T${a.tenant} ${a.mode}`);
      return;
    }
    case 'list': {
      const lists = ['/v1/products', '/v1/customers', '/v1/events', '/v1/webhook-endpoints', '/v1/deliveries', '/v1/orders', '/v1/api-keys', '/v1/members', '/v1/audit-log'];
      const res = await call(a, 'GET', `${lists[o.pick % lists.length]}?limit=100`);
      t.is(res.status, 200);
    }
  }
}

test.serial('random operations by several tenants, organizations and modes never show anyone else\'s data', async (t) => {
  t.timeout(180_000);
  const report = await fc.check(fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 30 }), async (ops) => {
    for (const o of ops) await run(t, o);
  }), { numRuns: RUNS, endOnFailure: true });
  if (report.failed) t.fail(`seed ${report.seed}: ${String(report.errorInstance ?? '').slice(0, 2000)}`);

  // Let every webhook go out.
  const owner = stack.api.db.owner;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await owner.query(`select (select count(*) from outbox)::int + (select count(*) from deliveries where status in ('pending', 'retrying'))::int as n`);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  // The owner of every id: its tenant, mode and (for keys and audit entries) organization.
  const { rows: tables } = await owner.query(`
    select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attname = 'tenant_id'
       and exists (select 1 from pg_attribute i where i.attrelid = c.oid and i.attname = 'id' and not i.attisdropped)
       and exists (select 1 from pg_attribute i where i.attrelid = c.oid and i.attname = 'mode' and not i.attisdropped)`);
  const owners = new Map<string, { tenantId: string; mode: string; orgId: string | null }>();
  for (const { relname } of tables) {
    const hasOrg = (await owner.query(`select 1 from pg_attribute where attrelid = $1::regclass and attname = 'org_id'`, [relname])).rowCount;
    const { rows } = await owner.query(`select id::text, tenant_id::text, mode, ${hasOrg ? 'org_id::text' : 'null'} as org_id from ${relname}`);
    for (const r of rows) owners.set(r.id, { tenantId: r.tenant_id, mode: r.mode, orgId: r.org_id });
  }
  const tenantIndex = new Map(actors.map((a) => [a.tenantId, a.tenant]));
  const orgIndex = new Map(actors.map((a) => [a.orgId, a.org]));
  const ID = /\b(?:prod|var|cus|addr|ord|li|cpn|ep|evt|dlv|att|key|aud|img|dsc|cart|cit|chk|page|post)_[0-9a-hjkmnp-tv-z]{26}\b/g;
  const MARKER = /\b(iso|isokey)-T(\d)-(live|test)-o(\d)-[0-9a-f]{6}\b/g;

  /** What in `text` belongs to someone other than (tenant, mode, org); mode or org undefined: not checked. */
  const foreign = (text: string, tenant: number, mode?: string, org?: number): string[] => {
    const out: string[] = [];
    for (const id of text.match(ID) ?? []) {
      const o = owners.get(id);
      if (!o) continue; // gone, or never stored (e.g. a refused request's id)
      if (tenantIndex.get(o.tenantId) !== tenant || (mode && o.mode !== mode) || (org !== undefined && o.orgId && orgIndex.get(o.orgId) !== org)) out.push(id);
    }
    for (const [m, kind, mt, mm, mo] of text.matchAll(MARKER)) {
      if (Number(mt) !== tenant || (mode && kind === 'iso' && mm !== mode) || (org !== undefined && kind === 'isokey' && Number(mo) !== org)) out.push(m);
    }
    return out;
  };

  let checked = 0;
  for (const s of seen) {
    const leaked = foreign(s.text, s.actor.tenant, s.actor.mode, s.actor.org).filter((x) => !s.sent.includes(x));
    t.deepEqual(leaked, [], `a response to T${s.actor.tenant} ${s.actor.mode} o${s.actor.org} (${s.sent.slice(0, 200)})`);
    checked++;
  }
  for (const r of receiver.received) {
    const [, tenant, mode] = /^\/hook\/T(\d)\/(live|test)\//.exec(r.path)!;
    t.is(r.headers['herald-tenant-id'], actors.find((a) => a.tenant === Number(tenant))!.tenantId);
    t.deepEqual(foreign(r.body, Number(tenant), mode), [], `a webhook to T${tenant} ${mode}`);
    t.is(JSON.parse(r.body).mode, mode);
  }
  for (const line of logLines) {
    const entry = JSON.parse(line);
    const tenant = entry.tenant_id ? tenantIndex.get(entry.tenant_id) : undefined;
    if (tenant === undefined) t.deepEqual(line.match(MARKER) ?? [], [], `a log line without a tenant carries no tenant data: ${line.slice(0, 300)}`);
    // A request line's path is what the caller sent (an id of someone else's it tried: a 404).
    else t.deepEqual(foreign(JSON.stringify({ ...entry, path: undefined }), tenant), [], `a log line of T${tenant}: ${line.slice(0, 300)}`);
  }

  // Under herald_app, each scope sees exactly its own rows of every table it may read.
  const { rows: readable } = await owner.query(`
    select c.relname, exists (select 1 from pg_attribute m where m.attrelid = c.oid and m.attname = 'mode' and not m.attisdropped) as moded
      from pg_class c join pg_attribute a on a.attrelid = c.oid
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attname = 'tenant_id' and has_table_privilege('herald_app', c.oid, 'select')`);
  for (const a of actors.filter((x) => x.org === 0)) {
    await withTenant(stack.api.db.app, { tenantId: a.tenantId, mode: a.mode }, async (tx) => {
      for (const { relname, moded } of readable) {
        const { rows } = await tx.query(`select tenant_id::text, ${moded ? 'mode' : 'null as mode'}, to_jsonb(x)::text as row from ${relname} x`);
        for (const row of rows) {
          t.is(row.tenant_id, a.tenantId, relname);
          if (moded) t.is(row.mode, a.mode, relname);
          t.deepEqual(foreign(row.row, a.tenant, moded ? a.mode : undefined), [], `${relname} under T${a.tenant} ${a.mode}`);
        }
      }
    });
  }
  t.log(`${seen.length} answers, ${receiver.received.length} webhooks and ${logLines.length} log lines checked; ${owners.size} ids owned`);
  t.true(checked > 0 && receiver.received.length > 0 && logLines.length > 0);
});
