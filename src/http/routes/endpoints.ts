import { z } from 'zod';
import {
  createEndpoint, deleteEndpoint, getEndpoint, listEndpointsOf, MAX_METADATA_KEYS, patchEndpoint, revealSecret,
} from '../../services/endpoints.ts';
import { EndpointSecret, presentEndpoint, WebhookEndpoint } from '../presenters/endpoints.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { route } from '../route.ts';

const EVENT_TYPE_FILTER = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;

const EventTypes = z.array(
  z.string().max(100)
    .regex(EVENT_TYPE_FILTER, 'expected an event type (order.paid), a namespace wildcard (order.*) or *')
    .refine((t) => t !== 'webhook.test', 'webhook.test is only sent by POST /v1/webhook-endpoints/:id/test and cannot be subscribed to'),
).min(1).max(100);
const Url = z.string().min(1).max(2048).describe('https: (http: outside production); public addresses only');
const Description = z.string().max(500).nullable();
const MetadataKey = z.string().min(1).max(40);
const Metadata = z.record(MetadataKey, z.string().max(500))
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`);

export const NewEndpoint = z.strictObject({
  url: Url,
  event_types: EventTypes,
  description: Description.optional(),
  metadata: Metadata.optional(),
  enabled: z.boolean().optional(),
});

export const EndpointPatch = z.strictObject({
  url: Url.optional(),
  event_types: EventTypes.optional(),
  description: Description.optional(),
  metadata: z.record(MetadataKey, z.string().max(500).nullable()).nullable().optional().describe('Merged into the current metadata; a null value removes its key'),
  enabled: z.boolean().optional().describe('Enabling clears disabled_reason'),
});

const tag = 'webhook-endpoints';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

export const endpointRoutes = [
  route({
    method: 'get', path: '/v1/webhook-endpoints', summary: 'List webhook endpoints', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(WebhookEndpoint) },
    handle: async ({ query, auth, deps }) => {
      const rows = await listEndpointsOf(deps.pool, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentEndpoint) };
    },
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints', summary: 'Register a webhook endpoint (a signing secret is created with it)', tag,
    access: write, body: NewEndpoint, errors: [422],
    response: { status: 201, schema: WebhookEndpoint },
    handle: async ({ body, auth, deps }) => ({ status: 201, body: presentEndpoint(await createEndpoint(deps, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/webhook-endpoints/:id', summary: 'Retrieve a webhook endpoint', tag, access: read,
    response: { status: 200, schema: WebhookEndpoint },
    handle: async ({ params, auth, deps }) => ({ status: 200, body: presentEndpoint(await getEndpoint(deps.pool, auth, params.id)) }),
  }),
  route({
    method: 'patch', path: '/v1/webhook-endpoints/:id', summary: 'Update a webhook endpoint (JSON merge patch)', tag,
    access: write, body: EndpointPatch, errors: [422],
    response: { status: 200, schema: WebhookEndpoint },
    handle: async ({ params, body, auth, deps }) => ({ status: 200, body: presentEndpoint(await patchEndpoint(deps, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/webhook-endpoints/:id', summary: 'Delete a webhook endpoint and cancel its pending deliveries', tag,
    access: write, response: { status: 204 },
    handle: async ({ params, auth, deps }) => {
      await deleteEndpoint(deps.pool, auth, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'get', path: '/v1/webhook-endpoints/:id/secret', summary: 'Reveal the signing secret', tag, access: write,
    response: { status: 200, schema: EndpointSecret },
    handle: async ({ params, auth, deps }) => ({ status: 200, body: { secret: await revealSecret(deps, auth, params.id) } }),
  }),
];
