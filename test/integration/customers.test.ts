import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCustomer, eventsOf, expectInvalid, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const address = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'us' };

test('a customer is created with addresses, read back, and recorded as customer.created', async (t) => {
  const { key } = await tenantWithKey(api);
  const email = `${unique('ada')}@example.com`;
  const res = await api.request('POST', '/v1/customers', { token: key, body: { email, name: 'Ada', addresses: [address] } });
  t.is(res.status, 201);
  t.like(res.body, { object: 'customer', email, name: 'Ada', metadata: {} });
  t.like(res.body.addresses[0], { line1: '1 Main St', line2: null, city: 'Springfield', state: null, postal_code: '12345', country: 'US' });
  t.regex(res.body.addresses[0].id, /^addr_/);
  t.deepEqual((await api.request('GET', `/v1/customers/${res.body.id}`, { token: key })).body, res.body);
  t.deepEqual((await eventsOf(api, key, 'customer.created'))[0].data, res.body);
});

test('email is unique per tenant and mode, ignoring case, and freed by delete', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const email = `${unique('grace')}@example.com`;
  const first = await createCustomer(api, key, { email });
  const again = await api.request('POST', '/v1/customers', { token: key, body: { email: email.toUpperCase() } });
  t.is(again.status, 409);
  t.is(again.body.detail, 'a customer with this email already exists');
  const { key: testKey } = await tenant.key({ mode: 'test' });
  await t.notThrowsAsync(createCustomer(api, testKey, { email }));
  t.is((await api.request('DELETE', `/v1/customers/${first.id}`, { token: key })).status, 204);
  t.is((await api.request('GET', `/v1/customers/${first.id}`, { token: key })).status, 404);
  await t.notThrowsAsync(createCustomer(api, key, { email }));
  t.deepEqual((await eventsOf(api, key, 'customer.deleted'))[0].data, first);
});

test('PATCH merges fields and replaces addresses; customer.updated lists the old values', async (t) => {
  const { key } = await tenantWithKey(api);
  const customer = await createCustomer(api, key, { name: 'Old', addresses: [address] });
  const res = await api.request('PATCH', `/v1/customers/${customer.id}`, { token: key, body: { name: null, addresses: [{ ...address, city: 'Shelbyville' }] } });
  t.is(res.status, 200);
  t.like(res.body, { email: customer.email, name: null });
  t.is(res.body.addresses[0].city, 'Shelbyville');
  const [updated] = await eventsOf(api, key, 'customer.updated');
  t.deepEqual(Object.keys(updated.previous_attributes).sort(), ['addresses', 'name', 'updated_at']);
  t.is(updated.previous_attributes.name, 'Old');
  const cleared = await api.request('PATCH', `/v1/customers/${customer.id}`, { token: key, body: { addresses: null } });
  t.deepEqual(cleared.body.addresses, []);
});

test('bad emails, countries and unknown fields are 400s with pointers', async (t) => {
  const { key } = await tenantWithKey(api);
  const cases: [unknown, string][] = [
    [{ email: 'not-an-email' }, '/email'],
    [{ email: 'a@example.com', addresses: [{ ...address, country: 'XX' }] }, '/addresses/0/country'],
    [{ email: 'a@example.com', addresses: [{ ...address, line1: '' }] }, '/addresses/0/line1'],
    [{ email: 'a@example.com', nickname: 'x' }, '/nickname'],
    [{ email: 'a@example.com', metadata: { k: 1 } }, '/metadata/k'],
    [{ email: 'a@example.com', metadata: { ['__proto__']: 'x' } }, '/metadata/__proto__'],
  ];
  await expectInvalid(t, api, key, '/v1/customers', cases);
});

test('addresses have their own routes under the customer; each change records customer.updated', async (t) => {
  const { key } = await tenantWithKey(api);
  const customer = await createCustomer(api, key, { addresses: [address] });
  const added = await api.request('POST', `/v1/customers/${customer.id}/addresses`, { token: key, body: { ...address, line1: '2 Side St', country: 'de' } });
  t.is(added.status, 201);
  t.like(added.body, { line1: '2 Side St', country: 'DE' });
  t.regex(added.body.id, /^addr_/);
  const [created] = await eventsOf(api, key, 'customer.updated');
  t.deepEqual(created.data.addresses.map((a: { id: string }) => a.id), [customer.addresses[0].id, added.body.id]);
  t.deepEqual(Object.keys(created.previous_attributes).sort(), ['addresses', 'updated_at']);
  const list = await api.request('GET', `/v1/customers/${customer.id}/addresses`, { token: key });
  t.deepEqual(list.body, { data: [added.body, customer.addresses[0]], has_more: false, next_cursor: null });
  const patched = await api.request('PATCH', `/v1/customers/${customer.id}/addresses/${added.body.id}`, { token: key, body: { line2: 'Flat 3', postal_code: null } });
  t.is(patched.status, 200);
  t.like(patched.body, { line1: '2 Side St', line2: 'Flat 3', postal_code: null });
  t.deepEqual((await api.request('GET', `/v1/customers/${customer.id}`, { token: key })).body.addresses[1], patched.body);
  t.is((await api.request('DELETE', `/v1/customers/${customer.id}/addresses/${customer.addresses[0].id}`, { token: key })).status, 204);
  t.deepEqual((await api.request('GET', `/v1/customers/${customer.id}`, { token: key })).body.addresses, [patched.body]);
  t.is((await eventsOf(api, key, 'customer.updated')).length, 3);
});

test('an address of another customer, tenant or mode is a 404; at most 10 per customer; bad fields are 400s', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const customer = await createCustomer(api, key, { addresses: Array.from({ length: 10 }, () => address) });
  const full = await api.request('POST', `/v1/customers/${customer.id}/addresses`, { token: key, body: address });
  t.is(full.status, 422);
  const other = await createCustomer(api, key);
  const theirs = customer.addresses[0].id;
  t.is((await api.request('PATCH', `/v1/customers/${other.id}/addresses/${theirs}`, { token: key, body: { city: 'X' } })).status, 404);
  t.is((await api.request('DELETE', `/v1/customers/${other.id}/addresses/${theirs}`, { token: key })).status, 404);
  const intruder = await tenantWithKey(api);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  for (const token of [intruder.key, testKey]) {
    t.is((await api.request('GET', `/v1/customers/${customer.id}/addresses`, { token })).status, 404);
    t.is((await api.request('PATCH', `/v1/customers/${customer.id}/addresses/${theirs}`, { token, body: { city: 'X' } })).status, 404);
  }
  await expectInvalid(t, api, key, `/v1/customers/${other.id}/addresses`, [[{ ...address, country: 'XX' }, '/country'], [{ city: 'X', country: 'US' }, '/line1']]);
  t.is((await api.request('GET', `/v1/customers/${customer.id}`, { token: key })).body.addresses[0].city, 'Springfield');
});
