// A typed client generated from GET /openapi.json by a maintained npm-only generator
// (openapi-typescript, with openapi-fetch as the runtime) compiles under the project's TypeScript
// and performs a real flow against a running Herald: create an endpoint, create an order, list
// the deliveries — as an integrator's program would, in its own folder, run by its own process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { generateTypes } from 'herald-openapi-typescript';
import { useDeliveryStack } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';
import { verifyWebhook } from '../helpers/receiver.ts';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);
const { stack, newReceiver } = useDeliveryStack(test);

const FLOW = `import createClient from 'openapi-fetch';
import type { components, paths } from './herald-api.ts';

type Delivery = components['schemas']['Delivery'];
const herald = createClient<paths>({ baseUrl: process.env.HERALD_URL!, headers: { authorization: \`Bearer \${process.env.HERALD_KEY}\` } });

function ok<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data === undefined) throw new Error(\`\${answer.response.status}: \${JSON.stringify(answer.error)}\`);
  return answer.data;
}

const endpoint = ok(await herald.POST('/v1/webhook-endpoints', { body: { url: process.env.RECEIVER_URL!, event_types: ['order.*'] } }));
const secret = ok(await herald.GET('/v1/webhook-endpoints/{id}/secret', { params: { path: { id: endpoint.id } } }));
const product = ok(await herald.POST('/v1/products', {
  body: { name: 'Linen shirt', variants: [{ sku: \`SHIRT-\${Date.now()}\`, price: 4900, currency: 'EUR', inventory_quantity: 5 }] },
}));
const order = ok(await herald.POST('/v1/orders', {
  body: { line_items: [{ variant_id: product.variants[0].id, quantity: 2 }] },
  headers: { 'Idempotency-Key': \`order-\${product.id}\` },
}));
let deliveries: Delivery[] = [];
for (let tries = 0; deliveries.length === 0 && tries < 200; tries++) {
  const page = ok(await herald.GET('/v1/deliveries', { params: { query: { endpoint_id: endpoint.id, limit: 5 } } }));
  deliveries = page.data.filter((d) => d.status === 'delivered');
  if (!deliveries.length) await new Promise((r) => setTimeout(r, 50));
}
const total: number = order.total;
console.log(JSON.stringify({ endpoint: endpoint.id, secret: 'secret' in secret ? secret.secret : null, order: order.id, total, deliveries }));
`;

// Each line must fail to type-check: the generated types are real, not \`any\`.
const MISTAKES = `import createClient from 'openapi-fetch';
import type { paths } from './herald-api.ts';

const herald = createClient<paths>({ baseUrl: 'http://127.0.0.1' });
// @ts-expect-error limit is a number
await herald.GET('/v1/deliveries', { params: { query: { limit: '5' } } });
// @ts-expect-error an endpoint needs event_types
await herald.POST('/v1/webhook-endpoints', { body: { url: 'https://example.com' } });
// @ts-expect-error no such status
await herald.GET('/v1/deliveries', { params: { query: { status: 'lost' } } });
// @ts-expect-error no such route
await herald.GET('/v1/nothing');
`;

test('a client generated from the document compiles and creates an endpoint and an order, then lists the deliveries', async (t) => {
  t.timeout(60_000);
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const receiver = await newReceiver();
  const document = (await api.request('GET', '/openapi.json')).body;

  const dir = mkdtempSync(join(tmpdir(), 'herald-client-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const types = await generateTypes(document);
    t.regex(types, /export interface components/);
    t.regex(types, /"order\.paid": \{/, 'the webhooks are typed too');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'herald-integration', private: true, type: 'module' }));
    writeFileSync(join(dir, 'herald-api.ts'), types);
    writeFileSync(join(dir, 'flow.ts'), FLOW);
    writeFileSync(join(dir, 'mistakes.ts'), MISTAKES);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2024', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, allowImportingTsExtensions: true,
        verbatimModuleSyntax: true, erasableSyntaxOnly: true, skipLibCheck: true, types: ['node'],
      },
      include: ['*.ts'],
    }));
    const compiled = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir]).then(() => 'ok', (err) => `${err.stdout}${err.stderr}`);
    t.is(compiled, 'ok', 'the generated client and the flow type-check, and each mistake is a type error');

    const { stdout } = await run(process.execPath, [join(dir, 'flow.ts')], {
      env: { ...process.env, HERALD_URL: api.url, HERALD_KEY: key, RECEIVER_URL: receiver.url }, timeout: 30_000,
    });
    const result = JSON.parse(stdout);
    t.regex(result.endpoint, /^ep_/);
    t.regex(result.order, /^ord_/);
    t.is(result.total, 9800);
    t.is(result.deliveries.length, 1);
    t.like(result.deliveries[0], { object: 'delivery', endpoint_id: result.endpoint, event_type: 'order.created', status: 'delivered' });
    const webhook = receiver.received.find((r) => r.headers['herald-event-type'] === 'order.created')!;
    t.is(verifyWebhook(result.secret, webhook).data.id, result.order, 'the webhook the flow caused verifies with the secret the client read');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
