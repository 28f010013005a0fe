// The lists and writes the shop resources added (issue 15) keep the API's common rules, checked
// here for every one of them: newest first, pages by limit and starting_after with has_more and
// next_cursor, a bad limit is a 400; and a viewer key writes none of them (403, nothing stored).
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCustomer, createProduct, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { shopper } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

let lastAddress = 20;

test('every shop list is newest first and pages with limit, starting_after, has_more and next_cursor', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key, { variants: [{ sku: unique('sku'), price: 500, currency: 'USD', inventory_quantity: 100 }] });
  const customer = await createCustomer(api, key);
  const address = { line1: '1 Main St', city: 'London', country: 'GB' };
  let n = 0;
  const made = async (res: { status: number; body: any }) => {
    if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  const checkoutOf = async () => {
    const s = shopper(api, tenant, `127.0.${++lastAddress}.1`);
    await s.newCart([{ variant_id: product.variants[0].id, quantity: 1 }]);
    return made(await s.checkout());
  };
  const makers: Record<string, () => Promise<{ id: string }>> = {
    '/v1/discounts': async () => made(await api.request('POST', '/v1/discounts', { token: key, body: { name: `D${++n}`, percent_off: 5 } })),
    '/v1/pages': async () => made(await api.request('POST', '/v1/pages', { token: key, body: { title: 'Page', handle: `page-${++n}`, body: 'x' } })),
    '/v1/posts': async () => made(await api.request('POST', '/v1/posts', { token: key, body: { title: 'Post', handle: `post-${++n}`, body: 'x' } })),
    [`/v1/customers/${customer.id}/addresses`]: async () => made(await api.request('POST', `/v1/customers/${customer.id}/addresses`, { token: key, body: { ...address, line1: `${++n} Main St` } })),
    '/v1/carts': async () => {
      const s = shopper(api, tenant, `127.0.${++lastAddress}.1`);
      return s.newCart();
    },
    '/v1/checkouts': checkoutOf,
    [`/v1/products/${product.id}/images`]: async () => made(await api.request('POST', `/v1/products/${product.id}/images`, { token: key, body: { url: `https://cdn.example.com/${++n}.png` } })),
  };
  for (const [list, make] of Object.entries(makers)) {
    const before = (await api.request('GET', `${list}?limit=100`, { token: key })).body.data.map((r: { id: string }) => r.id);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.unshift((await make()).id);
    const all = (await api.request('GET', `${list}?limit=100`, { token: key })).body.data.map((r: { id: string }) => r.id);
    t.deepEqual(all.filter((id: string) => !before.includes(id)), ids, `${list}: newest first`);
    const first = await api.request('GET', `${list}?limit=2`, { token: key });
    t.deepEqual(first.body.data.map((r: { id: string }) => r.id), all.slice(0, 2), list);
    t.like(first.body, { has_more: true, next_cursor: all[1] }, list);
    const rest = await api.request('GET', `${list}?limit=100&starting_after=${all[1]}`, { token: key });
    t.deepEqual(rest.body.data.map((r: { id: string }) => r.id), all.slice(2), list);
    t.like(rest.body, { has_more: false, next_cursor: null }, list);
    for (const limit of ['0', '101', 'x', '2.5']) t.is((await api.request('GET', `${list}?limit=${limit}`, { token: key })).status, 400, `${list} limit=${limit}`);
  }
});

test('a viewer key writes none of the shop resources: 403, and nothing is stored', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const { key: viewer } = await tenant.key({ role: 'viewer' });
  const product = await createProduct(api, key);
  const customer = await createCustomer(api, key);
  const discount = (await api.request('POST', '/v1/discounts', { token: key, body: { name: 'D', percent_off: 5 } })).body;
  const page = (await api.request('POST', '/v1/pages', { token: key, body: { title: 'Page', handle: 'page', body: 'x' } })).body;
  const post = (await api.request('POST', '/v1/posts', { token: key, body: { title: 'Post', handle: 'post', body: 'x' } })).body;
  const address = (await api.request('POST', `/v1/customers/${customer.id}/addresses`, { token: key, body: { line1: '1 St', city: 'Paris', country: 'FR' } })).body;
  const image = (await api.request('POST', `/v1/products/${product.id}/images`, { token: key, body: { url: 'https://cdn.example.com/a.png' } })).body;
  const writes: Array<[string, string, unknown?]> = [
    ['POST', '/v1/discounts', { name: 'E', percent_off: 5 }], ['PATCH', `/v1/discounts/${discount.id}`, { name: 'F' }], ['DELETE', `/v1/discounts/${discount.id}`],
    ['POST', '/v1/pages', { title: 'P', handle: 'p2', body: 'x' }], ['PATCH', `/v1/pages/${page.id}`, { title: 'Q' }], ['DELETE', `/v1/pages/${page.id}`],
    ['POST', '/v1/posts', { title: 'P', handle: 'p2', body: 'x' }], ['PATCH', `/v1/posts/${post.id}`, { title: 'Q' }], ['DELETE', `/v1/posts/${post.id}`],
    ['POST', `/v1/customers/${customer.id}/addresses`, { line1: '2 St', city: 'Paris', country: 'FR' }],
    ['PATCH', `/v1/customers/${customer.id}/addresses/${address.id}`, { city: 'Lyon' }], ['DELETE', `/v1/customers/${customer.id}/addresses/${address.id}`],
    ['POST', `/v1/products/${product.id}/images`, { url: 'https://cdn.example.com/b.png' }], ['PATCH', `/v1/images/${image.id}`, { alt: 'x' }], ['DELETE', `/v1/images/${image.id}`],
  ];
  const snapshot = async () => JSON.stringify(await Promise.all(
    ['/v1/discounts', '/v1/pages', '/v1/posts', `/v1/customers/${customer.id}/addresses`, `/v1/products/${product.id}/images`].map(async (p) => (await api.request('GET', p, { token: key })).body.data),
  ));
  const before = await snapshot();
  for (const [method, path, body] of writes) {
    const res = await api.request(method, path, { token: viewer, body });
    t.is(res.status, 403, `${method} ${path}`);
    t.is(res.headers.get('content-type')?.split(';')[0], 'application/problem+json', `${method} ${path}`);
  }
  t.is(await snapshot(), before, 'nothing changed');
  const reads = ['/v1/discounts', '/v1/pages', '/v1/posts', `/v1/customers/${customer.id}/addresses`, `/v1/products/${product.id}/images`];
  for (const path of reads) t.is((await api.request('GET', path, { token: viewer })).status, 200, `a viewer reads ${path}`);
});
