import { Validator } from '@seriousme/openapi-schema-validator';
import test from 'ava';
import { apiRoutes } from '../../src/http/app.ts';
import { startApi, type TestApi } from '../helpers/api.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('GET /openapi.json is a valid OpenAPI 3.1 document', async (t) => {
  const res = await api.request('GET', '/openapi.json');
  t.is(res.status, 200);
  t.is(res.body.openapi, '3.1.0');
  const validator = new Validator();
  const result = await validator.validate(res.body);
  t.true(result.valid, JSON.stringify(result.errors, null, 2));
});

test('every mounted route appears in the document with its method', async (t) => {
  const { body } = await api.request('GET', '/openapi.json');
  const missing = apiRoutes
    .map((r) => [r.method, r.path.replace(/:(\w+)/g, '{$1}')] as const)
    .filter(([method, path]) => !body.paths[path]?.[method])
    .map(([method, path]) => `${method.toUpperCase()} ${path}`);
  t.deepEqual(missing, []);
});

test('resource bodies are documented from the schemas that validate them', async (t) => {
  const { body } = await api.request('GET', '/openapi.json');
  const create = body.paths['/v1/products'].post;
  const schema = create.requestBody.content['application/json'].schema;
  t.deepEqual(schema.required.sort(), ['name', 'variants']);
  t.is(schema.additionalProperties, false, 'unknown fields are rejected, and documented so');
  t.is(schema.properties.variants.items.properties.price.type, 'integer');
  t.truthy(create.responses['201'].content['application/json'].schema);
  t.truthy(create.responses['409']);
  const orderQuery = body.paths['/v1/orders'].get.parameters.map((p: { name: string }) => p.name);
  t.deepEqual(orderQuery.sort(), ['customer_id', 'limit', 'starting_after', 'status']);
});

test('the image route documents its uploads and the content routes their bytes; storefront routes need no credential', async (t) => {
  const { body } = await api.request('GET', '/openapi.json');
  const images = body.paths['/v1/products/{id}/images'].post;
  t.deepEqual(Object.keys(images.requestBody.content).sort(), ['application/json', 'image/gif', 'image/jpeg', 'image/png', 'image/webp']);
  t.like(images.requestBody.content['image/png'].schema, { type: 'string', format: 'binary' });
  for (const status of ['413', '415', '422']) t.truthy(images.responses[status], status);
  t.deepEqual(Object.keys(body.paths['/v1/images/{id}/content'].get.responses['200'].content).sort(), ['image/gif', 'image/jpeg', 'image/png', 'image/webp']);
  const cart = body.paths['/storefront/v1/carts/{id}/items'].post;
  t.deepEqual(cart.security, []);
  t.truthy(cart.responses['429']);
  t.truthy(body.paths['/storefront/v1/checkouts/{id}/complete'].post.responses['409']);
  t.truthy(body.paths['/v1/settings'].patch);
});
