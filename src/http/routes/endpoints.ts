import { Delivery, presentDelivery } from '../../presenters/deliveries.ts';
import {
  EndpointSecret, presentEndpoint, presentEndpointWithStats, presentRotation, ReplayResult, RotationResult, WebhookEndpoint,
  WebhookEndpointWithStats,
} from '../../presenters/endpoints.ts';
import {
  createEndpoint, DEFAULT_OVERLAP_SECONDS, deleteEndpoint, getEndpoint, listEndpointsOf, patchEndpoint, revealSecret, rotateSecret,
} from '../../services/endpoints.ts';
import { replayEvents, sendTestEvent } from '../../services/replay.ts';
import { eventsRetainedSince, RETAINED_SINCE_HEADER } from '../../services/retention.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { EndpointPatch, NewEndpoint, Replay, SecretRotation } from '../schemas/endpoints.ts';
import { route } from '../route.ts';

const tag = 'webhook-endpoints';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

export const endpointRoutes = [
  route({
    method: 'get', path: '/v1/webhook-endpoints', summary: 'List webhook endpoints', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(WebhookEndpoint) },
    handle: async ({ query, auth, services }) => {
      const rows = await listEndpointsOf(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentEndpoint) };
    },
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints', summary: 'Register a webhook endpoint (a signing secret is created with it)', tag,
    access: write, body: NewEndpoint, errors: [422],
    response: { status: 201, schema: WebhookEndpoint },
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentEndpoint(await createEndpoint(services, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/webhook-endpoints/:id', summary: 'Retrieve a webhook endpoint with its recent delivery statistics', tag, access: read,
    response: { status: 200, schema: WebhookEndpointWithStats },
    handle: async ({ params, auth, services }) => {
      const { endpoint, stats } = await getEndpoint(services, auth, params.id);
      return { status: 200, body: presentEndpointWithStats(endpoint, stats) };
    },
  }),
  route({
    method: 'patch', path: '/v1/webhook-endpoints/:id', summary: 'Update a webhook endpoint (JSON merge patch)', tag,
    access: write, body: EndpointPatch, errors: [422],
    response: { status: 200, schema: WebhookEndpoint },
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentEndpoint(await patchEndpoint(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/webhook-endpoints/:id', summary: 'Delete a webhook endpoint and cancel its pending deliveries', tag,
    access: write, response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteEndpoint(services, auth, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'get', path: '/v1/webhook-endpoints/:id/secret', summary: 'Reveal what verifies the signatures: the v1 secret, or the v1a public key', tag, access: write,
    response: { status: 200, schema: EndpointSecret },
    handle: async ({ params, auth, services }) => ({ status: 200, body: await revealSecret(services, auth, params.id) }),
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints/:id/rotate-secret', summary: 'Rotate the signing secret; the previous ones keep signing for the overlap', tag,
    access: write, body: SecretRotation,
    response: { status: 200, schema: RotationResult },
    handle: async ({ params, body, auth, services }) => {
      const until = await rotateSecret(services, auth, params.id, body.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS, body.signature_scheme);
      return { status: 200, body: presentRotation(params.id, until) };
    },
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints/:id/test', summary: 'Send a webhook.test event to this endpoint alone', tag,
    access: write, errors: [409, 503],
    response: { status: 202, schema: Delivery, description: 'The test delivery, queued' },
    handle: async ({ params, auth, services }) => ({ status: 202, body: presentDelivery(await sendTestEvent(services, auth, params.id)) }),
  }),
  route({
    method: 'post', path: '/v1/webhook-endpoints/:id/replay', summary: 'Re-deliver the endpoint\'s events of a window, once each, with their original webhook-id', tag,
    access: write, body: Replay, errors: [409, 422, 503],
    response: { status: 202, schema: ReplayResult, description: 'The deliveries are queued (or, in a dry run, counted)' },
    handle: async ({ params, body, auth, services }) => {
      const window = { since: new Date(body.since), until: body.until ? new Date(body.until) : undefined, dryRun: body.dry_run };
      const count = await replayEvents(services, auth, params.id, window);
      return { status: 202, body: { count }, headers: { [RETAINED_SINCE_HEADER]: eventsRetainedSince(services).toISOString() } };
    },
  }),
];
