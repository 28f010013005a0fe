// The OpenAPI 3.1 document, generated from the route list and the same zod schemas that validate.
// Everything in it is derived from data, so a route or a field added in its own file shows up here
// by itself:
//   - components: every zod schema named with `.meta({ id })` (resources, inputs, lists) becomes
//     one component, referenced wherever it is used; anything else stays inline;
//   - operation ids from method, path and answer (listProducts, getProduct, payOrder, …), with a
//     few spelled out below; tags from each route's `tag`; descriptions from its summary and access;
//   - headers from what the route layer does (Idempotency-Key on POST, ETag/If-None-Match where a
//     route is `conditional`, cart-token on a storefront cart's routes, WWW-Authenticate on 401,
//     Retry-After on 429 and 503, x-request-id on every answer);
//   - `webhooks` from the event catalog (src/presenters/eventTypes.ts).
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { EventType } from '../presenters/eventTypes.ts';
import { Problem } from './schemas/common.ts';
import type { Route } from './route.ts';

type Json = Record<string, any>;
type AnyRoute = Route<any, any, any>;

export interface DocumentOptions {
  version: string;
  /** Where the API is served, for the `servers` entry. */
  serverUrl: string;
  eventTypes: EventType[];
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 304: 'Not Modified: the ETag in If-None-Match is current (no body)',
};

/** The error answers every route shares, as components: [name, description]. */
const ERRORS: Record<number, [string, string]> = {
  400: ['BadRequest', 'Malformed or invalid request (errors names each field)'],
  401: ['Unauthorized', 'Missing or invalid credential'],
  403: ['Forbidden', 'Not allowed for this credential (tenant, organization, role, mode, or a suspended tenant)'],
  404: ['NotFound', 'No such resource (or one of another tenant or mode)'],
  409: ['Conflict', 'Conflict with the current state (a duplicate unique value, stock, a state change)'],
  413: ['PayloadTooLarge', 'Body too large'],
  415: ['UnsupportedMediaType', 'Body is not JSON (or not an accepted upload type)'],
  422: ['Unprocessable', 'Unprocessable: a reference or value the request names cannot be used'],
  429: ['TooManyRequests', 'Rate limited: retry after Retry-After seconds'],
  503: ['ServiceUnavailable', 'Not ready: retry after Retry-After seconds'],
};

const TAGS: Record<string, string> = {
  health: 'Liveness and readiness of the process.',
  auth: 'Short-lived JWT access tokens, from a secret key or a login.',
  'api-keys': 'Secret (`hk_…`) and publishable (`pk_…`) keys of the caller\'s organization.',
  tenant: 'The credential\'s tenant, organization, mode and role.',
  members: 'Users of the caller\'s organization and their roles.',
  me: 'The caller: a user and its memberships, or a key.',
  'audit-log': 'Who did what to keys, members, endpoint secrets, replays and settings.',
  operator: 'The operator surface (`/admin/v1`, HERALD_ADMIN_TOKEN): tenants, organizations, users, memberships, keys, custom domains.',
  products: 'Products with their variants and images. Events `product.*`.',
  variants: 'A product\'s variants (SKU, price, stock). Events `variant.*`.',
  images: 'A product\'s images: URL references or uploaded bytes. Events `product.updated`.',
  customers: 'Customers and their addresses. Events `customer.*`.',
  coupons: 'Codes for a percentage or amount off. Events `coupon.*`.',
  discounts: 'Automatic discounts (no code). Events `discount.*`.',
  orders: 'Orders priced from the tenant\'s variants, discounts and coupons; pay, fulfill, cancel. Events `order.*`.',
  carts: 'Storefront carts, read with a secret key. Events `cart.*`.',
  checkouts: 'Storefront checkouts, read with a secret key. Events `checkout.*`.',
  pages: 'Content pages (Markdown). Events `page.*`.',
  posts: 'Blog posts (Markdown). Events `post.*`.',
  settings: 'The shop\'s settings, per mode. Event `settings.updated`.',
  events: 'The tenant\'s immutable event log; custom events.',
  'event-types': 'The catalog of built-in event types with the JSON Schema of their data.',
  storefront: 'Public, credential-less reads and carts for one shop, named by the Host header (live mode).',
  'webhook-endpoints': 'Where events are delivered: URL, filters, signing keys (v1 HMAC or v1a ed25519), tests and replays.',
  deliveries: 'Each event\'s delivery to each endpoint, with its attempts; manual retries.',
  docs: 'This document.',
  webhooks: 'The requests Herald sends to webhook endpoints, one per event type.',
};

/** Operation ids where the derived one would read badly or clash. */
const OPERATION_IDS: Record<string, string> = {
  'get /healthz': 'checkHealth',
  'get /readyz': 'checkReadiness',
  'get /openapi.json': 'getOpenApiDocument',
  'post /v1/auth/token': 'createAccessToken',
  'get /v1/tenant': 'getCurrentTenant',
  'post /v1/me/password': 'changePassword',
  'delete /v1/api-keys/:id': 'revokeApiKey',
  'post /v1/variants/:id/inventory': 'adjustVariantInventory',
  'post /v1/webhook-endpoints/:id/rotate-secret': 'rotateWebhookEndpointSecret',
  'post /v1/webhook-endpoints/:id/test': 'sendWebhookEndpointTest',
  'post /v1/webhook-endpoints/:id/replay': 'replayWebhookEndpointEvents',
  'delete /admin/v1/tenants/:id/domains': 'removeTenantDomain',
  'get /v1/audit-log': 'listAuditEntries',
  'get /v1/event-types': 'listEventTypes',
};

const IRREGULAR: Record<string, string> = { addresses: 'address', deliveries: 'delivery', settings: 'settings' };
const singular = (segment: string) => IRREGULAR[segment] ?? segment.replace(/s$/, '');
const pascal = (text: string) => text.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const camel = (text: string) => pascal(text).replace(/^./, (c) => c.toLowerCase());

const isList = (r: AnyRoute) => r.response.schema instanceof z.ZodObject && 'has_more' in r.response.schema.shape;

/**
 * list<Parents><Plural> for a list, get|update|replace|delete<Parents><Noun> on a resource,
 * create<…> for a POST answering 201, else <action><Parents> for a POST that acts on a resource
 * (payOrder). Storefront operations say so (getStorefrontProduct).
 */
export function operationId(r: AnyRoute): string {
  const explicit = OPERATION_IDS[`${r.method} ${r.path}`];
  if (explicit) return explicit;
  const segments = r.path.split('/').filter((s) => s && !/^v\d+$/.test(s) && s !== 'admin');
  const area = segments[0] === 'storefront' ? 'Storefront' : '';
  const statics = segments.filter((s) => !s.startsWith(':') && s !== 'storefront');
  const nouns = statics.map((s) => pascal(singular(s)));
  if (r.method === 'get' && isList(r)) return `list${area}${nouns.slice(0, -1).join('')}${pascal(statics.at(-1)!)}`;
  const verb = { get: 'get', patch: 'update', put: 'replace', delete: 'delete', post: r.response.status === 201 ? 'create' : undefined }[r.method];
  if (verb) return `${verb}${area}${nouns.join('')}`;
  return `${camel(statics.at(-1)!)}${area}${nouns.slice(0, -1).join('')}`;
}

const ID_KINDS: Record<string, string> = {
  products: 'prod', variants: 'var', images: 'img', customers: 'cus', addresses: 'addr', coupons: 'cpn', discounts: 'dsc', orders: 'ord',
  carts: 'cart', items: 'cit', checkouts: 'chk', pages: 'page', posts: 'post', events: 'evt', 'webhook-endpoints': 'ep', deliveries: 'dlv',
  'api-keys': 'key',
};

/** A path parameter: `:id` is the id of the resource named before it; the others say what they are. */
function pathParameter(path: string, name: string): Json {
  const segments = path.split('/');
  const owner = segments[segments.indexOf(`:${name}`) - 1];
  const noun = singular(owner).replace(/-/g, ' ');
  const prefix = ID_KINDS[owner];
  const description = name === 'id'
    ? `The ${noun}'s id${prefix ? ` (${prefix}_…)` : owner === 'tenants' ? ' (UUID)' : ''}`
    : name === 'user_id' ? 'The member\'s user id (UUID)'
      : name === 'handle' ? `The published ${noun}'s handle`
        : name === 'domain' ? 'The custom domain, e.g. shop.example.com'
          : `The ${noun}'s id${prefix ? ` (${prefix}_…)` : ''}`;
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}

/** Components, filled as routes are converted: named zod schemas are hoisted out of each conversion. */
class Components {
  readonly schemas: Record<string, Json> = {};

  /** The JSON Schema of `schema` as input or output, with named schemas as references to components. */
  schema(schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, {
      io, target: 'draft-2020-12', unrepresentable: 'any',
      // zod drops examples from the input side of a schema that transforms (trimming, upper-casing):
      // the examples given are inputs, so they are kept.
      override: ({ zodSchema, jsonSchema }) => {
        const examples = z.globalRegistry.get(zodSchema)?.examples;
        if (examples && !jsonSchema.examples) jsonSchema.examples = examples as unknown[];
      },
    }) as Json;
    const { $schema: _dialect, $defs, ...root } = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/'));
    for (const [name, definition] of Object.entries($defs ?? {})) this.add(name, definition as Json);
    return root;
  }

  add(name: string, definition: Json): void {
    const known = this.schemas[name];
    if (known && !isDeepStrictEqual(known, definition)) {
      throw new Error(`two different schemas are named ${name} (an input and an output? give them different ids)`);
    }
    this.schemas[name] = definition;
  }
}

const ref = (kind: 'headers' | 'parameters' | 'responses' | 'schemas', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const HEADERS = {
  'X-Request-Id': { description: 'The request\'s id: the x-request-id sent (1–128 of A-Z a-z 0-9 _ . : -), or a new UUID. Quote it when reporting a problem.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  'WWW-Authenticate': { description: 'The authentication scheme to use: `Bearer realm="herald"`', schema: { type: 'string' } },
  ETag: { description: 'A strong validator of this answer: send it back in If-None-Match for a 304 while it is current', schema: { type: 'string' } },
  'Idempotent-Replayed': { description: '`true` when this is the stored answer of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
} satisfies Record<string, Json>;

const PARAMETERS = {
  IdempotencyKey: {
    name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, example: 'order-2026-11-29-0001',
    description: 'Makes the POST safe to retry: within 24 h the same key (per tenant, mode and organization; on the storefront, per cart token) replays the first answer (Idempotent-Replayed: true); the same key with another method, path or body is a 422.',
  },
  IfNoneMatch: { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'An ETag from an earlier answer: 304 without a body while it is still current' },
  CartToken: { name: 'cart-token', in: 'header', required: true, schema: { type: 'string' }, description: 'The token given when the cart was created; a missing or wrong token is a 404, as for an unknown cart' },
  RequestId: { name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' }, description: 'Your own id for this request, echoed in the answer and the log line' },
} satisfies Record<string, Json>;

const WEBHOOK_HEADERS: Array<[string, string, Json]> = [
  ['webhook-id', 'The event id (evt_…): the same on every attempt and replay. Deduplicate with it.', { type: 'string', example: 'evt_01jdq3m8k2x9v7c4b6n0p5r1s3' }],
  ['webhook-timestamp', 'Unix seconds when this attempt was made; reject webhooks far from now (5 minutes) to stop replays.', { type: 'integer', example: 1764409200 }],
  ['webhook-signature', 'Space-separated signatures over `webhook-id.webhook-timestamp.body`: `v1,<base64 HMAC-SHA256>` with the whsec_ secret, or `v1a,<base64 ed25519>` verified with the whpk_ public key; during a rotation one per valid key, newest first.', { type: 'string', example: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }],
  ['herald-tenant-id', 'The tenant the event belongs to (UUID).', { type: 'string', format: 'uuid' }],
  ['herald-event-type', 'The event type, e.g. order.paid (also in the body).', { type: 'string', example: 'order.paid' }],
  ['herald-attempt', 'This attempt\'s number, from 1.', { type: 'integer', minimum: 1, example: 1 }],
];

const webhookParameter = (header: string) => pascal(header);

function errorResponse(status: number, description: string): Json {
  const extra = status === 401 ? { 'WWW-Authenticate': ref('headers', 'WWW-Authenticate') } : status === 429 || status === 503 ? { 'Retry-After': ref('headers', 'Retry-After') } : {};
  return { description, headers: withRequestId(extra), content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } } };
}

function accessText(r: AnyRoute): string {
  if (r.access === 'public') return 'No credential needed.';
  if (r.access === 'shop') return 'Storefront: no credential; the shop is the Host header\'s (`<slug>.<HERALD_STOREFRONT_DOMAIN>` or a custom domain), live mode; rate-limited per client address.';
  if (r.access === 'admin') return 'Operator: `Authorization: Bearer <HERALD_ADMIN_TOKEN>`.';
  return `A secret key or access token whose role is at least \`${r.access.role}\`${r.access.publishable ? '; publishable keys may call it too' : ''}.`;
}

const honoursIdempotencyKey = (r: AnyRoute) => r.method === 'post' && !r.ignoresIdempotencyKey && !r.showsSecret && r.access !== 'public' && r.access !== 'admin';

const withRequestId = (headers: Json = {}) => ({ 'X-Request-Id': ref('headers', 'X-Request-Id'), ...headers });

function operation(r: AnyRoute, components: Components): Json {
  const parameters: Json[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => pathParameter(r.path, m[1]));
  if (r.query) {
    // Query values arrive as text and are parsed into their types (limit=5 is a number): each is
    // documented as what it is parsed into; required-ness is the input's.
    const input = components.schema(r.query, 'input');
    const output = components.schema(r.query, 'output');
    for (const [name, parsed] of Object.entries<Json>(output.properties ?? {})) {
      const schema = Object.keys(parsed).length ? parsed : input.properties[name];
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: input.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
    }
  }
  if (honoursIdempotencyKey(r)) parameters.push(ref('parameters', 'IdempotencyKey'));
  if (r.conditional) parameters.push(ref('parameters', 'IfNoneMatch'));
  if (r.cartToken) parameters.push(ref('parameters', 'CartToken'));
  parameters.push(ref('parameters', 'RequestId'));

  const binary = (types: string[]) => Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));
  const successHeaders = withRequestId({
    ...(r.conditional ? { ETag: ref('headers', 'ETag') } : {}),
    ...(honoursIdempotencyKey(r) ? { 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') } : {}),
  });
  const responses: Json = {
    [r.response.status]: {
      description: r.response.description ?? STATUS_TEXT[r.response.status] ?? 'Success',
      headers: successHeaders,
      ...(r.response.schema ? { content: { 'application/json': { schema: components.schema(r.response.schema, 'output') } } } : {}),
      ...(r.response.binary ? { content: binary(r.response.binary) } : {}),
    },
  };
  if (r.conditional) responses[304] = { description: STATUS_TEXT[304], headers: withRequestId({ ETag: ref('headers', 'ETag') }) };
  const credentialless = r.access === 'public' || r.access === 'shop';
  const errorStatuses = new Set<number>([
    ...(credentialless ? [] : [401, 403, 429]), ...(r.access === 'shop' ? [404, 429] : []), ...(r.body || r.query ? [400] : []),
    ...(r.path.includes(':') ? [404] : []), ...(r.errors ?? []),
  ]);
  if (r.body) { errorStatuses.add(413); errorStatuses.add(415); }
  for (const status of [...errorStatuses].sort()) {
    if (!ERRORS[status]) throw new Error(`${r.method} ${r.path} documents ${status}, which ERRORS does not describe`);
    responses[status] = ref('responses', ERRORS[status][0]);
  }
  const security = credentialless ? [] : r.access === 'admin' ? [{ adminToken: [] }] : [{ bearer: [] }];
  // A body is required unless an empty one ({}) is valid, which is how the route reads a missing body.
  const bodyRequired = !!r.body && !r.ownBodyValidation && !r.body.safeParse({}).success;
  const requestContent = r.body ? { 'application/json': { schema: components.schema(r.body, 'input') }, ...binary(r.upload?.types ?? []) } : undefined;
  return {
    operationId: operationId(r),
    summary: r.summary,
    description: [`${r.summary}.`, accessText(r), honoursIdempotencyKey(r) ? 'Honours `Idempotency-Key`.' : '', r.conditional ? 'Answers with an `ETag`; `If-None-Match` gets a 304.' : '']
      .filter(Boolean).join(' '),
    tags: [r.tag],
    security,
    parameters,
    ...(requestContent ? { requestBody: { required: bodyRequired, content: requestContent } } : {}),
    responses,
  };
}

function webhook(t: EventType, components: Components): Json {
  return {
    post: {
      operationId: `${camel(t.type)}Webhook`,
      summary: t.type,
      description: `${t.description}. Sent to every enabled endpoint of the event's tenant and mode whose event_types match \`${t.type}\` ` +
        `(exactly, \`${t.type.split('.')[0]}.*\` or \`*\`), signed per Standard Webhooks; at least once, so deduplicate with webhook-id.`,
      tags: ['webhooks'],
      security: [],
      parameters: WEBHOOK_HEADERS.map(([name]) => ref('parameters', webhookParameter(name))),
      requestBody: { required: true, content: { 'application/json': { schema: components.schema(t.envelope, 'output') } } },
      responses: {
        200: { description: 'Any 2xx answer: delivered. Answer fast (Herald gives up after HERALD_DELIVERY_TIMEOUT, 15 s) and do the work afterwards.' },
        410: { description: 'Gone: Herald disables the endpoint (and emits endpoint.disabled) instead of retrying' },
        429: { description: 'Too many: retried after Retry-After (at most an hour), otherwise on the retry schedule', headers: { 'Retry-After': ref('headers', 'Retry-After') } },
        default: { description: 'Any other answer, a redirect, a timeout or a network error: retried on HERALD_RETRY_SCHEDULE (5s, 5m, 30m, 2h, 5h, 10h, 10h by default)' },
      },
    },
  };
}

const DESCRIPTION = `Multi-tenant commerce resources with transactional webhooks.

**Credentials.** \`Authorization: Bearer\` with a secret key (\`hk_live_…\`/\`hk_test_…\`), a publishable key
(\`pk_…\`: catalog reads only) or a JWT from \`POST /v1/auth/token\`. The credential alone names the tenant,
organization and mode; test-mode credentials see only test data.

**Errors** are \`application/problem+json\` (RFC 9457): \`type\`, \`title\`, \`status\`, \`detail\`, and \`errors:
[{pointer, detail}]\` on validation failures. An id of another tenant or mode is a 404.

**Lists** are newest first: \`?limit=\` (1–100, default 20) and \`?starting_after=<next_cursor>\`, answering
\`{data, has_more, next_cursor}\`.

**Webhooks** (the \`webhooks\` section) are Standard Webhooks: verify \`webhook-signature\` over
\`webhook-id.webhook-timestamp.body\`, deduplicate with \`webhook-id\`. \`GET /v1/event-types\` lists every type
with the JSON Schema of its data.`;

export function openApiDocument(routes: AnyRoute[], options: DocumentOptions): Json {
  const components = new Components();
  components.schema(Problem, 'output');
  const paths: Record<string, Json> = {};
  const ids = new Map<string, string>();
  for (const r of routes) {
    const op = operation(r, components);
    const clash = ids.get(op.operationId);
    if (clash) throw new Error(`operation id ${op.operationId} of ${r.method} ${r.path} is also ${clash}'s: add it to OPERATION_IDS`);
    ids.set(op.operationId, `${r.method} ${r.path}`);
    if (!TAGS[r.tag]) throw new Error(`tag ${r.tag} of ${r.method} ${r.path} has no description in TAGS`);
    (paths[r.path.replace(/:(\w+)/g, '{$1}')] ??= {})[r.method] = op;
  }
  const webhooks = Object.fromEntries(options.eventTypes.map((t) => [t.type, webhook(t, components)]));
  const usedTags = new Set([...routes.map((r) => r.tag), ...(options.eventTypes.length ? ['webhooks'] : [])]);
  return {
    openapi: '3.1.0',
    info: { title: 'Herald API', version: options.version, description: DESCRIPTION },
    servers: [{ url: options.serverUrl, description: 'This Herald' }],
    tags: Object.entries(TAGS).filter(([name]) => usedTags.has(name)).map(([name, description]) => ({ name, description })),
    paths,
    webhooks,
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      parameters: {
        ...PARAMETERS,
        ...Object.fromEntries(WEBHOOK_HEADERS.map(([name, description, schema]) => [webhookParameter(name), { name, in: 'header', required: true, description, schema }])),
      },
      headers: HEADERS,
      responses: Object.fromEntries(Object.entries(ERRORS).map(([status, [name, description]]) => [name, errorResponse(Number(status), description)])),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A secret key (hk_…), a publishable key (pk_…: catalog reads) or a JWT access token from POST /v1/auth/token' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The operator token, HERALD_ADMIN_TOKEN' },
      },
    },
  };
}
