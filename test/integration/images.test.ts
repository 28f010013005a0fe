import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createProduct, eventsOf } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { gif, jpeg, png, webp } from '../helpers/images.ts';
import { storefrontRequest } from '../helpers/storefront.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

const upload = (key: string, productId: string, type: string, bytes: Buffer, query = '') =>
  api.request('POST', `/v1/products/${productId}/images${query}`, { token: key, raw: bytes as unknown as string, headers: { 'content-type': type } });

test('an image given as a URL reference is stored as given, never fetched, and recorded as product.updated', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const res = await api.request('POST', `/v1/products/${product.id}/images`, { token: key, body: { url: 'https://cdn.example.com/lamp.png', alt: 'A lamp' } });
  t.is(res.status, 201);
  t.like(res.body, { object: 'image', product_id: product.id, source: 'url', url: 'https://cdn.example.com/lamp.png', alt: 'A lamp', position: 0, width: null, content_type: null });
  t.regex(res.body.id, /^img_/);
  const [event] = await eventsOf(api, key, 'product.updated');
  t.deepEqual(event.data.images, [res.body]);
  t.deepEqual(Object.keys(event.previous_attributes).sort(), ['images', 'updated_at']);
  t.deepEqual((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body, event.data);
  const content = await api.request('GET', `/v1/images/${res.body.id}/content`, { token: key });
  t.is(content.status, 404, 'Herald holds no bytes for a reference');
  t.regex(content.body.detail, /URL reference/);
});

test('a reference URL must be one Herald could fetch under the webhook address rules', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  for (const [url, status] of [
    ['ftp://example.com/a.png', 400], ['not a url', 400], ['https://user:pw@example.com/a.png', 400],
    ['http://127.0.0.1/a.png', 422], ['http://169.254.169.254/latest/meta-data', 422], ['http://[::ffff:10.0.0.1]/a.png', 422], ['https://shop.localhost/a.png', 422],
  ] as const) {
    const res = await api.request('POST', `/v1/products/${product.id}/images`, { token: key, body: { url } });
    t.is(res.status, status, url);
    t.is(res.body.errors[0].pointer, '/url', url);
  }
  t.is((await eventsOf(api, key, 'product.updated')).length, 0);
});

test('an uploaded image is typed and measured from its bytes, served with an ETag, and listed in position order', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const made: Record<string, Buffer> = { 'image/png': png(3, 2), 'image/jpeg': jpeg(640, 480), 'image/gif': gif(16, 9), 'image/webp': webp(300, 200) };
  const sizes: Record<string, [number, number]> = { 'image/png': [3, 2], 'image/jpeg': [640, 480], 'image/gif': [16, 9], 'image/webp': [300, 200] };
  const ids: string[] = [];
  for (const [type, bytes] of Object.entries(made)) {
    const res = await upload(key, product.id, type, bytes, '?alt=Front');
    t.is(res.status, 201, type);
    t.like(res.body, { source: 'upload', url: null, alt: 'Front', content_type: type, byte_size: bytes.length, width: sizes[type][0], height: sizes[type][1] });
    ids.push(res.body.id);
    const content = await fetch(`${api.url}/v1/images/${res.body.id}/content`, { headers: { authorization: `Bearer ${key}` } });
    t.is(content.status, 200);
    t.is(content.headers.get('content-type'), type);
    t.is(content.headers.get('x-content-type-options'), 'nosniff');
    t.deepEqual(Buffer.from(await content.arrayBuffer()), bytes);
    const etag = content.headers.get('etag')!;
    const again = await fetch(`${api.url}/v1/images/${res.body.id}/content`, { headers: { authorization: `Bearer ${key}`, 'if-none-match': etag } });
    t.is(again.status, 304);
  }
  const first = await upload(key, product.id, 'image/png', png(1, 1), '?position=0');
  t.is(first.body.position, 0);
  const images = (await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.images;
  t.deepEqual(images.map((i: { id: string }) => i.id), [ids[0], first.body.id, ...ids.slice(1)], 'by position, then by creation');
  const moved = await api.request('PATCH', `/v1/images/${first.body.id}`, { token: key, body: { position: 9, alt: null } });
  t.like(moved.body, { position: 9, alt: null });
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.images.at(-1).id, first.body.id);
  t.is((await api.request('DELETE', `/v1/images/${first.body.id}`, { token: key })).status, 204);
  t.is((await api.request('GET', `/v1/images/${first.body.id}/content`, { token: key })).status, 404);
  const list = await api.request('GET', `/v1/products/${product.id}/images?limit=2`, { token: key });
  t.deepEqual(list.body.data.map((i: { id: string }) => i.id), [ids[3], ids[2]], 'newest first');
  t.is((await eventsOf(api, key, 'product.updated')).length, 7, 'five uploads, a change, a removal');
});

test('bytes that are not the declared type are a 415, more than 5 MiB a 413, other types 415', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const mismatched = await upload(key, product.id, 'image/jpeg', png(2, 2));
  t.is(mismatched.status, 415);
  t.regex(mismatched.body.detail, /read as png/);
  t.is((await upload(key, product.id, 'image/png', Buffer.from('<svg onload="alert(1)"/>'))).status, 415);
  t.is((await upload(key, product.id, 'image/svg+xml', Buffer.from('<svg/>'))).status, 415);
  t.is((await upload(key, product.id, 'text/plain', Buffer.from('hello'))).status, 415);
  const huge = Buffer.concat([png(1, 1), Buffer.alloc(5 * 1024 * 1024)]);
  const tooBig = await upload(key, product.id, 'image/png', huge);
  t.is(tooBig.status, 413);
  t.is(tooBig.headers.get('content-type'), 'application/problem+json');
  const chunked = await fetch(`${api.url}/v1/products/${product.id}/images`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'image/png' }, duplex: 'half',
    body: new ReadableStream({ start(c) { c.enqueue(huge); c.close(); } }),
  } as RequestInit);
  t.is(chunked.status, 413, 'without a content-length too');
  t.is((await api.request('POST', '/v1/customers', { token: key, raw: png(1, 1) as unknown as string, headers: { 'content-type': 'image/png' } })).status, 415,
    'only the image route takes image bodies');
  t.deepEqual((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.images, []);
});

test('an upload honours Idempotency-Key: the same bytes replay, other bytes under the key are a 422', async (t) => {
  const { key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const send = (bytes: Buffer) => api.request('POST', `/v1/products/${product.id}/images`, {
    token: key, raw: bytes as unknown as string, headers: { 'content-type': 'image/png', 'idempotency-key': 'img-1' },
  });
  const first = await send(png(2, 2));
  const replay = await send(png(2, 2));
  t.is(replay.headers.get('idempotent-replayed'), 'true');
  t.deepEqual(replay.body, first.body);
  t.is((await send(png(3, 3))).status, 422);
  t.is((await api.request('GET', `/v1/products/${product.id}`, { token: key })).body.images.length, 1);
});

test('the storefront serves uploaded images of live active products only, with an ETag', async (t) => {
  const { tenant, key } = await tenantWithKey(api);
  const product = await createProduct(api, key);
  const image = (await upload(key, product.id, 'image/gif', gif(4, 4))).body;
  const host = `${tenant.slug}.shops.localhost`;
  const res = await storefrontRequest(api, `/storefront/v1/images/${image.id}`, { host, localAddress: '127.0.5.1' });
  t.is(res.status, 200);
  t.is(res.headers['content-type'], 'image/gif');
  t.is(res.headers['cache-control'], 'public, max-age=60');
  t.is(res.headers['access-control-allow-origin'], '*');
  t.deepEqual(res.bytes, gif(4, 4));
  t.is((await storefrontRequest(api, `/storefront/v1/images/${image.id}`, { host, localAddress: '127.0.5.1', headers: { 'if-none-match': res.headers.etag! } })).status, 304);
  const other = await tenantWithKey(api);
  t.is((await storefrontRequest(api, `/storefront/v1/images/${image.id}`, { host: `${other.tenant.slug}.shops.localhost`, localAddress: '127.0.5.1' })).status, 404);
  const { key: testKey } = await tenant.key({ mode: 'test' });
  const testProduct = await createProduct(api, testKey);
  const testImage = (await upload(testKey, testProduct.id, 'image/png', png(1, 1))).body;
  t.is((await storefrontRequest(api, `/storefront/v1/images/${testImage.id}`, { host, localAddress: '127.0.5.1' })).status, 404, 'test mode');
  await api.request('PATCH', `/v1/products/${product.id}`, { token: key, body: { active: false } });
  t.is((await storefrontRequest(api, `/storefront/v1/images/${image.id}`, { host, localAddress: '127.0.5.1' })).status, 404, 'inactive product');
  t.is((await api.request('GET', `/v1/images/${image.id}/content`, { token: key })).status, 200, 'the merchant still reads it');
  t.is((await api.request('GET', `/v1/images/${image.id}/content`, { token: other.key })).status, 404);
});
