import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import test from 'ava';
import { apiRoutes } from '../../src/http/app.ts';
import { NewEndpoint } from '../../src/http/schemas/endpoints.ts';
import { WebhookEndpoint } from '../../src/presenters/endpoints.ts';
import { EVENT_TYPES } from '../../src/presenters/eventTypes.ts';
import { startApi, type TestApi } from '../helpers/api.ts';

let api: TestApi;
let doc: any;
test.before(async () => {
  api = await startApi();
  doc = (await api.request('GET', '/openapi.json')).body;
});
test.after.always(async () => { await api?.close(); });

const operations = () => Object.entries<any>(doc.paths).flatMap(([path, methods]) => Object.entries<any>(methods).map(([method, op]) => ({ path, method, op })));
const resolve = (node: any) => (node?.$ref ? node.$ref.split('/').slice(1).reduce((at: any, key: string) => at[key], doc) : node);

test('GET /openapi.json is a valid OpenAPI 3.1 document', async (t) => {
  t.is(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc);
  t.true(result.valid, JSON.stringify(result.errors, null, 2));
});

test('Redocly\'s recommended lint finds no error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    const lint = (format: string) => promisify(execFile)(join(import.meta.dirname, '../../node_modules/.bin/redocly'), ['lint', '--extends', 'recommended', '--format', format, file], { env, cwd: dir })
      .catch((err) => ({ stdout: err.stdout as string, stderr: err.stderr as string }));
    const report = JSON.parse((await lint('json')).stdout);
    const problems = report.problems.map((p: any) => `${p.severity} ${p.ruleId} ${p.location[0].pointer}: ${p.message}`);
    t.log(`redocly ${report.version} lint --extends recommended: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
    for (const problem of problems) t.log(problem);
    t.is(report.totals.errors, 0, problems.join('\n'));
    // The warnings left: the project names no license, and health and docs routes have no 4xx answer.
    t.deepEqual(report.problems.map((p: any) => p.ruleId).sort(), ['info-license', ...Array(3).fill('operation-4xx-response')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every mounted route appears in the document with its method, a readable unique operation id, a tag, a summary and a description', async (t) => {
  const missing = apiRoutes
    .map((r) => [r.method, r.path.replace(/:(\w+)/g, '{$1}')] as const)
    .filter(([method, path]) => !doc.paths[path]?.[method])
    .map(([method, path]) => `${method.toUpperCase()} ${path}`);
  t.deepEqual(missing, []);
  const ids = operations().map(({ op }) => op.operationId);
  t.is(new Set(ids).size, ids.length, 'operation ids are unique');
  for (const id of ids) t.regex(id, /^[a-z][A-Za-z]+$/, id);
  t.like(doc.paths['/v1/products'], { get: { operationId: 'listProducts' }, post: { operationId: 'createProduct' } });
  t.is(doc.paths['/v1/orders/{id}/pay'].post.operationId, 'payOrder');
  t.is(doc.paths['/v1/products/{id}/variants'].get.operationId, 'listProductVariants');
  t.is(doc.paths['/storefront/v1/products/{id}'].get.operationId, 'getStorefrontProduct');
  const tags = new Set(doc.tags.map((tag: any) => tag.name));
  for (const { path, method, op } of operations()) {
    t.true(op.tags.every((tag: string) => tags.has(tag)), `${method} ${path}: its tag is described`);
    t.true(op.summary.length > 5 && op.description.length > op.summary.length, `${method} ${path}`);
  }
  t.true(doc.tags.every((tag: any) => tag.description.length > 10));
});

test('resources, inputs and lists are named components, referenced from the operations', async (t) => {
  const create = doc.paths['/v1/products'].post;
  t.deepEqual(create.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/NewProduct' });
  t.deepEqual(create.responses['201'].content['application/json'].schema, { $ref: '#/components/schemas/Product' });
  t.deepEqual(doc.paths['/v1/products'].get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/ProductList' });
  const schemas = doc.components.schemas;
  t.deepEqual(schemas.ProductList.properties.data.items, { $ref: '#/components/schemas/Product' });
  t.deepEqual(schemas.Product.properties.variants.items, { $ref: '#/components/schemas/Variant' });
  t.deepEqual(schemas.NewProduct.required.sort(), ['name', 'variants']);
  t.is(schemas.NewProduct.additionalProperties, false, 'unknown fields are rejected, and documented so');
  t.deepEqual(schemas.NewProduct.properties.variants.items, { $ref: '#/components/schemas/NewVariant' });
  t.is(schemas.NewVariant.properties.price.type, 'integer');
  for (const name of ['Order', 'OrderList', 'NewOrder', 'Customer', 'WebhookEndpoint', 'NewEndpoint', 'EndpointPatch', 'Delivery', 'DeliveryList',
    'DeliveryWithAttempts', 'Event', 'EventList', 'Problem', 'Cart', 'Checkout', 'Settings', 'ApiKey', 'Tenant']) {
    t.truthy(schemas[name], name);
  }
  t.truthy(schemas.Product.description);
  t.truthy(create.responses['409']);
});

test('a component has exactly its zod schema\'s fields, so fields added to a presenter appear by themselves', async (t) => {
  t.deepEqual(Object.keys(doc.components.schemas.WebhookEndpoint.properties).sort(), Object.keys(WebhookEndpoint.shape).sort());
  t.deepEqual(Object.keys(doc.components.schemas.NewEndpoint.properties).sort(), Object.keys(NewEndpoint.shape).sort());
});

test('numbers are numbers: limit and other query integers are typed as integers with their range', async (t) => {
  const limit = doc.paths['/v1/orders'].get.parameters.find((p: any) => p.name === 'limit');
  t.like(limit, { in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } });
  const position = doc.paths['/v1/products/{id}/images'].post.parameters.find((p: any) => p.name === 'position');
  t.like(position.schema, { type: 'integer', minimum: 0 });
  const orderQuery = doc.paths['/v1/orders'].get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name);
  t.deepEqual(orderQuery.sort(), ['customer_id', 'limit', 'starting_after', 'status']);
});

test('request bodies are required only where the server requires one', async (t) => {
  t.false(doc.paths['/v1/auth/token'].post.requestBody.required, 'a key in Authorization needs no body');
  t.false(doc.paths['/v1/webhook-endpoints/{id}/rotate-secret'].post.requestBody.required);
  t.false(doc.paths['/v1/products/{id}'].patch.requestBody.required, 'an empty merge patch is valid');
  t.true(doc.paths['/v1/products'].post.requestBody.required);
  t.true(doc.paths['/admin/v1/tenants/{id}'].patch.requestBody.required, 'a tenant patch needs status or api_rate_limit');
  // And the server agrees: no body is accepted where the document says it is optional.
  const { key } = await (await import('../helpers/factories.ts')).tenantWithKey(api);
  t.is((await api.request('POST', '/v1/auth/token', { token: key })).status, 200);
});

test('headers: Idempotency-Key on POSTs, x-request-id everywhere, WWW-Authenticate on 401, Retry-After on 429, ETag and If-None-Match where cached, cart-token on carts', async (t) => {
  const paramNames = (op: any) => op.parameters.map((p: any) => resolve(p)).map((p: any) => `${p.in}:${p.name}`);
  t.true(paramNames(doc.paths['/v1/orders'].post).includes('header:Idempotency-Key'));
  t.false(paramNames(doc.paths['/v1/orders'].get).includes('header:Idempotency-Key'));
  t.false(paramNames(doc.paths['/v1/api-keys'].post).includes('header:Idempotency-Key'), 'its answer holds a secret: the key is refused there');
  for (const { path, method, op } of operations()) {
    for (const [status, response] of Object.entries<any>(op.responses)) {
      t.truthy(resolve(response).headers?.['X-Request-Id'], `${method} ${path} ${status}`);
    }
  }
  t.truthy(resolve(doc.paths['/v1/orders'].post.responses['401']).headers['WWW-Authenticate']);
  t.truthy(resolve(doc.paths['/v1/orders'].post.responses['429']).headers['Retry-After']);
  const product = doc.paths['/storefront/v1/products/{id}'].get;
  t.true(paramNames(product).includes('header:If-None-Match'));
  t.truthy(product.responses['200'].headers.ETag);
  t.truthy(product.responses['304']);
  t.true(paramNames(doc.paths['/storefront/v1/carts/{id}/items'].post).includes('header:cart-token'));
  t.false(paramNames(doc.paths['/storefront/v1/carts'].post).includes('header:cart-token'));
  // The server does send what is documented.
  const res = await api.request('GET', '/v1/orders');
  t.is(res.headers.get('www-authenticate'), 'Bearer realm="herald"');
  t.truthy(res.headers.get('x-request-id'));
});

test('security schemes and a server entry: the origin the document was fetched from', async (t) => {
  t.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['adminToken', 'bearer']);
  t.deepEqual(doc.servers, [{ url: api.url, description: 'The Herald that served this document' }]);
  t.deepEqual(doc.paths['/v1/orders'].get.security, [{ bearer: [] }]);
  t.deepEqual(doc.paths['/admin/v1/tenants'].get.security, [{ adminToken: [] }]);
  t.deepEqual(doc.paths['/storefront/v1/products'].get.security, []);
});

test('the webhooks section has every built-in event type, its body typed with the data schema', async (t) => {
  t.deepEqual(Object.keys(doc.webhooks).sort(), EVENT_TYPES.map((e) => e.type).sort());
  const paid = doc.webhooks['order.paid'].post;
  const envelope = resolve(paid.requestBody.content['application/json'].schema);
  t.deepEqual(envelope.properties.data, { $ref: '#/components/schemas/Order' });
  t.true(envelope.properties.type.enum.includes('order.paid'));
  t.deepEqual(paid.parameters.map((p: any) => resolve(p).name), ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'herald-tenant-id', 'herald-event-type', 'herald-attempt']);
  t.truthy(paid.responses['410']);
  t.deepEqual(resolve(doc.webhooks['endpoint.disabled'].post.requestBody.content['application/json'].schema).properties.data, { $ref: '#/components/schemas/EndpointDisabled' });
});

test('every example in the document validates against its own schema', async (t) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'herald', components: doc.components });
  let checked = 0;
  for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
    for (const example of schema.examples ?? []) {
      const validate = ajv.getSchema(`herald#/components/schemas/${name}`)!;
      t.true(validate(example), `${name}: ${ajv.errorsText(validate.errors)}`);
      checked++;
    }
  }
  t.true(checked >= 7, `${checked} examples`);
});

test('the image route documents its uploads and the content routes their bytes; storefront routes need no credential', async (t) => {
  const images = doc.paths['/v1/products/{id}/images'].post;
  t.deepEqual(Object.keys(images.requestBody.content).sort(), ['application/json', 'image/gif', 'image/jpeg', 'image/png', 'image/webp']);
  t.like(images.requestBody.content['image/png'].schema, { type: 'string', format: 'binary' });
  for (const status of ['413', '415', '422']) t.truthy(images.responses[status], status);
  t.deepEqual(Object.keys(doc.paths['/v1/images/{id}/content'].get.responses['200'].content).sort(), ['image/gif', 'image/jpeg', 'image/png', 'image/webp']);
  const cart = doc.paths['/storefront/v1/carts/{id}/items'].post;
  t.deepEqual(cart.security, []);
  t.truthy(cart.responses['429']);
  t.truthy(doc.paths['/storefront/v1/checkouts/{id}/complete'].post.responses['409']);
  t.truthy(doc.paths['/v1/settings'].patch);
});
