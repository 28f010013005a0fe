import { z } from 'zod';
import {
  createEndpoint, DEFAULT_OVERLAP_SECONDS, deleteEndpoint, getEndpoint, listEndpointsOf, MAX_METADATA_KEYS, patchEndpoint, revealSecret,
  rotateSecret,
} from '../../services/endpoints.ts';
import { replayEvents, sendTestEvent } from '../../services/replay.ts';
import { Delivery, presentDelivery } from '../presenters/deliveries.ts';
import { EndpointSecret, presentEndpoint, presentEndpointWithStats, WebhookEndpoint, WebhookEndpointWithStats } from '../presenters/endpoints.ts';
import { listOf, ListQuery, Timestamp, toPage } from '../schemas/common.ts';
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

export const SecretRotation = z.strictObject({
  overlap_seconds: z.number().int().min(0).max(7 * 86_400).optional()
    .describe(`How long the previous secrets keep signing beside the new one (default ${DEFAULT_OVERLAP_SECONDS}; 0 revokes them now)`),
});
const RotationResult = z.object({
  object: z.literal('secret_rotation'),
  endpoint_id: z.string(),
  previous_secrets_expire_at: z.string().nullable().describe('When the previous secrets stop signing; GET …/secret shows the new one'),
});

export const Replay = z.strictObject({
  since: Timestamp.describe('Start of the window (inclusive), within HERALD_EVENT_RETENTION'),
  until: Timestamp.optional().describe('End of the window (exclusive); default now'),
  dry_run: z.boolean().optional().describe('Only count the events a replay would deliver'),
});
const ReplayResult = z.object({ count: z.number().int().describe('Events re-delivered (or, in a dry run, that would be)') });

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
    method: 'get', path: '/v1/webhook-endpoints/:id', summary: 'Retrieve a webhook endpoint with its recent delivery statistics', tag, access: read,
    response: { status: 200, schema: WebhookEndpointWithStats },
    handle: async ({ params, auth, deps }) => {
      const { endpoint, stats } = await getEndpoint(deps.pool, auth, params.id);
      return { status: 200, body: presentEndpointWithStats(endpoint, stats) };
    },
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
  route({
    method: 'post', path: '/v1/webhook-endpoints/:id/rotate-secret', summary: 'Rotate the signing secret; the previous ones keep signing for the overlap', tag,
    access: write, body: SecretRotation,
    response: { status: 200, schema: RotationResult },
    handle: async ({ params, body, auth, deps }) => {
      const until = await rotateSecret(deps, auth, params.id, body.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS);
      return { status: 200, body: { object: 'secret_rotation', endpoint_id: params.id, previous_secrets_expire_at: until?.toISOString() ?? null } };
    },
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints/:id/test', summary: 'Send a webhook.test event to this endpoint alone', tag,
    access: write, errors: [409, 503],
    response: { status: 202, schema: Delivery, description: 'The test delivery, queued' },
    handle: async ({ params, auth, deps }) => ({ status: 202, body: presentDelivery(await sendTestEvent(deps, auth, params.id)) }),
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints/:id/replay', summary: 'Re-deliver the endpoint\'s events of a window, once each, with their original webhook-id', tag,
    access: write, body: Replay, errors: [409, 422, 503],
    response: { status: 202, schema: ReplayResult, description: 'The deliveries are queued (or, in a dry run, counted)' },
    handle: async ({ params, body, auth, deps }) => {
      const window = { since: new Date(body.since), until: body.until ? new Date(body.until) : undefined, dryRun: body.dry_run };
      return { status: 202, body: { count: await replayEvents(deps, auth, params.id, window, deps.config.eventRetentionMs) } };
    },
  }),
];
