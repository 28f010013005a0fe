import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { eventsOf, expectInvalid } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { storefrontRequest } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

let lastAddress = 10;
const shopGet = (slug: string, path: string) => storefrontRequest(api, path, { host: `${slug}.shops.localhost`, localAddress: `127.0.${++lastAddress}.1` });

for (const kind of ['pages', 'posts'] as const) {
  const noun = kind.slice(0, -1);
  test(`${kind}: created, read, changed and deleted with their ${noun}.* events; handles unique per tenant and mode`, async (t) => {
    const { tenant, key } = await tenantWithKey(api);
    const created = await api.request('POST', `/v1/${kind}`, { token: key, body: { title: 'About us', handle: 'about-us', body: '# Hello' } });
    t.is(created.status, 201);
    t.like(created.body, { object: noun, title: 'About us', handle: 'about-us', body: '# Hello', published: false, metadata: {} });
    t.regex(created.body.id, new RegExp(`^${noun}_`));
    t.deepEqual((await eventsOf(api, key, `${noun}.created`))[0].data, created.body);
    t.deepEqual((await api.request('GET', `/v1/${kind}/${created.body.id}`, { token: key })).body, created.body);
    const duplicate = await api.request('POST', `/v1/${kind}`, { token: key, body: { title: 'Again', handle: 'about-us' } });
    t.is(duplicate.status, 409);
    const { key: testKey } = await tenant.key({ mode: 'test' });
    t.is((await api.request('POST', `/v1/${kind}`, { token: testKey, body: { title: 'Test', handle: 'about-us' } })).status, 201, 'another mode');
    const other = await tenantWithKey(api);
    t.is((await api.request('POST', `/v1/${kind}`, { token: other.key, body: { title: 'Theirs', handle: 'about-us' } })).status, 201, 'another tenant');
    for (const token of [testKey, other.key]) t.is((await api.request('GET', `/v1/${kind}/${created.body.id}`, { token })).status, 404);
    const patched = await api.request('PATCH', `/v1/${kind}/${created.body.id}`, { token: key, body: { title: 'About', published: true } });
    t.like(patched.body, { title: 'About', published: true });
    const [updated] = await eventsOf(api, key, `${noun}.updated`);
    t.deepEqual(updated.data, patched.body);
    t.true('title' in updated.previous_attributes);
    t.deepEqual((await api.request('GET', `/v1/${kind}`, { token: key })).body.data, [patched.body]);
    t.is((await api.request('DELETE', `/v1/${kind}/${created.body.id}`, { token: key })).status, 204);
    t.deepEqual((await eventsOf(api, key, `${noun}.deleted`))[0].data, patched.body);
    t.is((await api.request('POST', `/v1/${kind}`, { token: key, body: { title: 'Back', handle: 'about-us' } })).status, 201, 'the handle is free again');
    await expectInvalid(t, api, key, `/v1/${kind}`, [
      [{ title: 'X', handle: 'About Us' }, '/handle'], [{ title: '', handle: 'x' }, '/title'], [{ title: 'X', handle: 'x', body: 5 }, '/body'],
      [{ title: 'X', handle: 'x', body: 'x'.repeat(100_001) }, '/body'], [{ title: 'X', handle: 'x', author: 'me' }, '/author'],
    ]);
  });
}

test('the storefront serves published pages and posts with body_html, where <script> and javascript: links come out inert', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const body = [
    '# Our story', '', 'We *make* lamps. <script>alert("x")</script>', '',
    '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.com/a)', '',
    '<img src=x onerror="alert(2)">', '',
  ].join('\n');
  await api.request('POST', '/v1/pages', { token: key, body: { title: 'Story', handle: 'story', body, published: true } });
  await api.request('POST', '/v1/pages', { token: key, body: { title: 'Draft', handle: 'draft', body: 'soon' } });
  const page = await shopGet(tenant.slug, '/storefront/v1/pages/story');
  t.is(page.status, 200);
  t.like(page.body, { object: 'page', title: 'Story', handle: 'story', body });
  t.is(page.body.metadata, undefined, 'no metadata on the storefront');
  const html: string = page.body.body_html;
  t.true(html.includes('<h1>Our story</h1>'));
  t.true(html.includes('<em>make</em>'));
  t.false(/<script/i.test(html), html);
  t.true(html.includes('&lt;script&gt;'), 'raw HTML is shown as text');
  t.false(/<img/i.test(html), 'no element from raw HTML');
  t.false(/href="(javascript|data):/i.test(html), html);
  t.true(html.includes('<a href="https://example.com/a">ok</a>'));
  t.regex(page.headers.etag!, /^"/);
  t.is((await shopGet(tenant.slug, '/storefront/v1/pages/draft')).status, 404, 'unpublished');
  t.is((await shopGet(tenant.slug, '/storefront/v1/pages/nope')).status, 404);
  const other = await tenantWithKey(api);
  t.is((await shopGet(other.tenant.slug, '/storefront/v1/pages/story')).status, 404, 'another shop');
  const { key: testKey } = await tenant.key({ mode: 'test' });
  await api.request('POST', '/v1/pages', { token: testKey, body: { title: 'Test', handle: 'test-only', published: true } });
  t.is((await shopGet(tenant.slug, '/storefront/v1/pages/test-only')).status, 404, 'test mode');
});

test('published posts are listed most recently published first, by tag, once their published_at has passed', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const post = async (body: Record<string, unknown>) => (await api.request('POST', '/v1/posts', { token: key, body: { body: 'Hi **there**', ...body } })).body;
  const old = await post({ title: 'Old', handle: 'old', published: true, published_at: '2020-01-01T00:00:00Z', tags: ['news'] });
  const fresh = await post({ title: 'Fresh', handle: 'fresh', published: true, tags: ['news', 'lamps', 'lamps'] });
  t.deepEqual(fresh.tags, ['news', 'lamps']);
  t.truthy(fresh.published_at, 'dated when published');
  await post({ title: 'Later', handle: 'later', published: true, published_at: '2999-01-01T00:00:00Z' });
  const draft = await post({ title: 'Draft', handle: 'draft' });
  t.is(draft.published_at, null);
  const list = await shopGet(tenant.slug, '/storefront/v1/posts');
  t.deepEqual(list.body.data.map((p: { handle: string }) => p.handle), ['fresh', 'old']);
  t.is(list.body.data[0].body_html, '<p>Hi <strong>there</strong></p>\n');
  const page = await shopGet(tenant.slug, '/storefront/v1/posts?limit=1');
  t.like(page.body, { has_more: true, next_cursor: fresh.id });
  t.deepEqual((await shopGet(tenant.slug, `/storefront/v1/posts?limit=1&starting_after=${fresh.id}`)).body.data.map((p: { id: string }) => p.id), [old.id]);
  t.deepEqual((await shopGet(tenant.slug, '/storefront/v1/posts?tag=lamps')).body.data.map((p: { id: string }) => p.id), [fresh.id]);
  t.is((await shopGet(tenant.slug, '/storefront/v1/posts/later')).status, 404, 'not yet');
  t.is((await shopGet(tenant.slug, '/storefront/v1/posts/draft')).status, 404);
  t.like((await shopGet(tenant.slug, '/storefront/v1/posts/old')).body, { object: 'post', title: 'Old', tags: ['news'], published_at: '2020-01-01T00:00:00.000Z' });
  const published = await api.request('PATCH', `/v1/posts/${draft.id}`, { token: key, body: { published: true } });
  t.truthy(published.body.published_at);
  t.is((await shopGet(tenant.slug, '/storefront/v1/posts/draft')).status, 200);
});
