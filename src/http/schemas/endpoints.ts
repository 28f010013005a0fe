// Inputs of the webhook endpoint routes.
import { z } from 'zod';
import { WebhookEndpoint } from '../../presenters/endpoints.ts';
import { DEFAULT_OVERLAP_SECONDS } from '../../services/endpoints.ts';
import { Metadata, MetadataPatch } from './commerce.ts';
import { Timestamp } from './common.ts';

const EVENT_TYPE_FILTER = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;

const EventTypes = z.array(
  z.string().max(100)
    .regex(EVENT_TYPE_FILTER, 'expected an event type (order.paid), a namespace wildcard (order.*) or *')
    .refine((t) => t !== 'webhook.test', 'webhook.test is only sent by POST /v1/webhook-endpoints/:id/test and cannot be subscribed to'),
).min(1).max(100);
const Url = z.string().min(1).max(2048).describe('https: (http: outside production); public addresses only');
const Description = z.string().max(500).nullable();
const SignatureScheme = WebhookEndpoint.shape.signature_scheme;

// Checked by the service, so that a value outside the set is a 422 naming the field.
const Ordering = z.string().max(20)
  .describe('none (default: deliveries in parallel) | key (events sharing an ordering key one at a time, in commit order) | fifo (the whole endpoint one at a time, in commit order)');
const RateLimit = z.number().int().nullable()
  .describe('Attempts per second across all workers, 1–10000; null: no limit');

export const NewEndpoint = z.strictObject({
  url: Url,
  event_types: EventTypes,
  description: Description.optional(),
  metadata: Metadata.optional(),
  enabled: z.boolean().optional(),
  ordering: Ordering.optional(),
  rate_limit: RateLimit.optional(),
  signature_scheme: SignatureScheme.optional()
    .describe('v1 (default): HMAC-SHA256 with a shared whsec_ secret; v1a: ed25519, verified with the endpoint\'s whpk_ public key (the private key never leaves Herald)'),
}).meta({ id: 'NewEndpoint', description: 'A new webhook endpoint',
  examples: [{ url: 'https://hooks.example.com/herald', event_types: ['order.*', 'product.created'], description: 'Fulfilment service', signature_scheme: 'v1' }] });

export const EndpointPatch = z.strictObject({
  url: Url.optional(),
  event_types: EventTypes.optional(),
  description: Description.optional(),
  metadata: MetadataPatch.optional(),
  enabled: z.boolean().optional().describe('Enabling clears disabled_reason'),
  ordering: Ordering.optional().describe('Deliveries already created keep the order they were created under; new ones follow the new setting'),
  rate_limit: RateLimit.optional(),
  signature_scheme: SignatureScheme.optional()
    .describe(`Another scheme rotates to a new key of that scheme; the previous keys keep signing for ${DEFAULT_OVERLAP_SECONDS} s (use rotate-secret to choose the overlap)`),
}).meta({ id: 'EndpointPatch' });

export const SecretRotation = z.strictObject({
  overlap_seconds: z.number().int().min(0).max(7 * 86_400).optional()
    .describe(`How long the previous secrets keep signing beside the new one (default ${DEFAULT_OVERLAP_SECONDS}; 0 revokes them now)`),
  signature_scheme: SignatureScheme.optional().describe('The new key\'s scheme (default: the endpoint\'s); the previous keys keep signing in theirs during the overlap'),
}).meta({ id: 'SecretRotation' });

export const Replay = z.strictObject({
  since: Timestamp.describe('Start of the window (inclusive), within HERALD_EVENT_RETENTION'),
  until: Timestamp.optional().describe('End of the window (exclusive); default now'),
  dry_run: z.boolean().optional().describe('Only count the events a replay would deliver'),
}).meta({ id: 'Replay' });
