import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, startApi, type TestApi } from '../helpers/api.ts';
import { createTenant } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const uniqueDomain = () => `shop-${randomBytes(4).toString('hex')}.example.com`;

/** The tenant a host resolves to, through the app role's only way in. */
async function holderOf(domain: string): Promise<string | null> {
  return (await api.db.app.query('select resolve_storefront_domain($1) as id', [domain])).rows[0].id;
}

test('an operator registers a custom domain, normalised, and removes it', async (t) => {
  const tenant = await createTenant(api);
  const name = uniqueDomain();
  const created = await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain: `${name.toUpperCase()}.` });
  t.is(created.status, 201);
  t.like(created.body, { object: 'domain', domain: name, tenant_id: tenant.id });
  const removed = await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains/${name.toUpperCase()}`);
  t.is(removed.status, 204);
  const again = await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains/${name}`);
  t.is(again.status, 404);
});

test('DELETE /admin/v1/tenants/:id/domains takes the domain in its body, as DESIGN lists it', async (t) => {
  const tenant = await createTenant(api);
  const name = uniqueDomain();
  t.is((await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain: name })).status, 201);
  t.is((await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains`, { domain: `${name.toUpperCase()}.` })).status, 204);
  t.is(await holderOf(name), null);
  t.is((await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains`, { domain: name })).status, 404);
  const missing = await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains`);
  t.is(missing.status, 400);
  t.is(missing.body.errors?.[0]?.pointer, '/domain');
  t.is((await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains`, { domain: 'not_a_host' })).status, 400);
});

test('two tenants racing for one domain: exactly one gets it, the other a 409', async (t) => {
  const tenants = [await createTenant(api), await createTenant(api)];
  const name = uniqueDomain();
  const replies = await Promise.all([...tenants, ...tenants].map((tenant) => api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain: name })));
  t.deepEqual(replies.map((r) => r.status).sort(), [201, 409, 409, 409]);
  t.is(await holderOf(name), replies.find((r) => r.status === 201)!.body.tenant_id);
});

test('a domain belongs to one tenant: a second registration, in any spelling, is a 409', async (t) => {
  const [first, second] = [await createTenant(api), await createTenant(api)];
  const name = uniqueDomain();
  t.is((await api.admin('POST', `/admin/v1/tenants/${first.id}/domains`, { domain: name })).status, 201);
  const taken = await api.admin('POST', `/admin/v1/tenants/${second.id}/domains`, { domain: `${name.toUpperCase()}.` });
  t.is(taken.status, 409);
  t.is(taken.headers.get('content-type'), 'application/problem+json');
  t.is((await api.admin('POST', `/admin/v1/tenants/${first.id}/domains`, { domain: name })).status, 409);
});

test('another tenant cannot remove a domain it does not hold', async (t) => {
  const [owner, other] = [await createTenant(api), await createTenant(api)];
  const name = uniqueDomain();
  await api.admin('POST', `/admin/v1/tenants/${owner.id}/domains`, { domain: name });
  t.is((await api.admin('DELETE', `/admin/v1/tenants/${other.id}/domains/${name}`)).status, 404);
  t.is(await holderOf(name), owner.id);
});

test('domains must be host names: malformed ones are 400 naming the field', async (t) => {
  const tenant = await createTenant(api);
  for (const domain of ['localhost', '10.0.0.1', 'https://shop.example.com', 'shop.example.com:443', '*.example.com', 'shop..example.com', 'shop_1.example.com', '', 42]) {
    const res = await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain });
    t.is(res.status, 400, String(domain));
    t.is(res.body.errors?.[0]?.pointer, '/domain', String(domain));
  }
  t.is((await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, {})).status, 400);
  t.is((await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain: uniqueDomain(), extra: 1 })).status, 400);
  t.is((await api.admin('DELETE', `/admin/v1/tenants/${tenant.id}/domains/not_a_host`)).status, 400);
});

test('names under the storefront domain are refused: they resolve by slug', async (t) => {
  const tenant = await createTenant(api);
  for (const domain of ['shops.localhost', 'other.shops.localhost', 'www.other.shops.localhost']) {
    const res = await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain });
    t.is(res.status, 422, domain);
    t.is(res.body.errors?.[0]?.pointer, '/domain');
  }
});

test('domains of an unknown tenant are 404, and the routes need the admin token', async (t) => {
  t.is((await api.admin('POST', '/admin/v1/tenants/7c0a5a0e-7c8d-4a43-9a4b-0d4f3f0c6b11/domains', { domain: uniqueDomain() })).status, 404);
  t.is((await api.admin('POST', '/admin/v1/tenants/not-a-uuid/domains', { domain: uniqueDomain() })).status, 404);
  const tenant = await createTenant(api);
  const { key } = await tenant.key({ role: 'owner' });
  t.is((await api.request('POST', `/admin/v1/tenants/${tenant.id}/domains`, { token: key, body: { domain: uniqueDomain() } })).status, 401);
});

test('before a tenant is known, the app role resolves a host only through the id-returning lookups', async (t) => {
  const tenant = await createTenant(api);
  const name = uniqueDomain();
  await api.admin('POST', `/admin/v1/tenants/${tenant.id}/domains`, { domain: name });
  const app = api.db.app;
  const denied = await app.query('select * from domain_routes where domain = $1', [name]).catch((e) => e);
  t.regex(denied.message, /permission denied/, 'the app role cannot read the global table');
  t.deepEqual((await app.query('select resolve_storefront_domain($1) as id', [name])).rows, [{ id: tenant.id }]);
  t.deepEqual((await app.query('select resolve_storefront_slug($1) as id', [tenant.slug])).rows, [{ id: tenant.id }]);
  t.deepEqual((await app.query('select resolve_storefront_domain($1) as id', ['unregistered.example.com'])).rows, [{ id: null }]);
  await api.admin('PATCH', `/admin/v1/tenants/${tenant.id}`, { status: 'suspended' });
  t.deepEqual((await app.query('select resolve_storefront_domain($1) as id', [name])).rows, [{ id: null }], 'suspended shops do not resolve');
  t.deepEqual((await app.query('select resolve_storefront_slug($1) as id', [tenant.slug])).rows, [{ id: null }]);
  const err = await app.query("insert into domain_routes (tenant_id, domain) values ($1, 'sneaky.example.com')", [tenant.id]).catch((e) => e);
  t.regex(err.message, /permission denied/);
});

test('custom domains live in the global table domain_routes, under forced row-level security for a pinned tenant', async (t) => {
  const [a, b] = [await createTenant(api), await createTenant(api)];
  const [nameA, nameB] = [uniqueDomain(), uniqueDomain()];
  await api.admin('POST', `/admin/v1/tenants/${a.id}/domains`, { domain: nameA });
  await api.admin('POST', `/admin/v1/tenants/${b.id}/domains`, { domain: nameB });
  const client = await api.db.owner.connect();
  try {
    // A role granted the table by mistake (created and dropped with this transaction) still sees one tenant.
    const reader = `reader_${randomBytes(4).toString('hex')}`;
    await client.query('begin');
    await client.query(`create role ${reader}; grant select on domain_routes to ${reader}; set local role ${reader}`);
    await client.query("select set_config('app.tenant_id', $1, true)", [a.id]);
    const { rows } = await client.query('select domain, tenant_id from domain_routes where domain = any($1)', [[nameA, nameB]]);
    t.deepEqual(rows, [{ domain: nameA, tenant_id: a.id }]);
    await client.query('rollback');
  } finally {
    client.release();
  }
});

const run = promisify(execFile);

test('the herald CLI adds and removes domains, printing JSON', async (t) => {
  const tenant = await createTenant(api);
  const name = uniqueDomain();
  const { config } = api.services;
  const env = {
    ...process.env, DATABASE_URL: api.db.url, HERALD_RUNTIME_DATABASE_URL: api.db.runtimeUrl, HERALD_ADMIN_TOKEN: ADMIN_TOKEN, HERALD_JWT_SECRET: config.jwtSecret,
    HERALD_ENCRYPTION_KEY: config.encryptionKey.toString('base64'), LOG_LEVEL: 'silent',
  };
  const herald = (...args: string[]) => run(process.execPath, ['workers/index.ts', ...args], { env });
  const added = JSON.parse((await herald('domains:add', tenant.id, '--domain', `${name.toUpperCase()}.`)).stdout);
  t.like(added, { object: 'domain', domain: name, tenant_id: tenant.id });
  const removed = JSON.parse((await herald('domains:remove', tenant.id, '--domain', name)).stdout);
  t.like(removed, { domain: name, deleted: true });
  const failed = await herald('domains:remove', tenant.id, '--domain', name).catch((err) => err);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /^herald domains:remove: 404 .+\n$/, 'one line');
  const invalid = await herald('domains:add', tenant.id, '--domain', 'https://shop.example.com').catch((err) => err);
  t.is(invalid.code, 2, 'a bad flag');
  t.regex(invalid.stderr, /^herald domains:add: 400 --domain: expected a host name .+\n$/);
});
