import { z } from 'zod';
import { MODES } from '../scope.ts';
import type { AttemptStats, EndpointStats } from '../db/attempts.ts';
import { SIGNATURE_SCHEMES, type EndpointRow } from '../db/endpoints.ts';

export const WebhookEndpoint = z.object({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  mode: z.enum(MODES),
  url: z.string(),
  event_types: z.array(z.string()),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('Why Herald disabled the endpoint (e.g. it answered 410 Gone)'),
  ordering: z.enum(['none', 'key', 'fifo']).describe('none: in parallel; key: one at a time per ordering key, in commit order; fifo: one at a time, in commit order'),
  rate_limit: z.number().int().nullable().describe('Attempts per second across all workers; null: no limit'),
  paused_until: z.string().nullable().describe('The last pause a 429 or 503 with Retry-After set: no attempt starts before then (a past instant: not paused now)'),
  signature_scheme: z.enum(SIGNATURE_SCHEMES).describe('v1: HMAC-SHA256 with the whsec_ secret; v1a: ed25519, verified with the whpk_ public key'),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'WebhookEndpoint', description: 'Where a tenant\'s events of one mode are delivered, and how they are signed' });

const WindowStats = z.object({
  attempts: z.number().int(),
  succeeded: z.number().int().describe('Attempts answered 2xx'),
  success_rate: z.number().nullable().describe('succeeded / attempts, 0..1; null without attempts'),
  latency_p50_ms: z.number().int().nullable(),
  latency_p95_ms: z.number().int().nullable(),
});

export const WebhookEndpointWithStats = WebhookEndpoint.extend({
  delivery_stats: z.object({ last_hour: WindowStats, last_day: WindowStats })
    .describe('Delivery attempts to this endpoint over the last hour and day'),
}).meta({ id: 'WebhookEndpointWithStats', description: 'A webhook endpoint with its delivery statistics over the last hour and day' });

export const RotationResult = z.object({
  object: z.literal('secret_rotation'),
  endpoint_id: z.string(),
  previous_secrets_expire_at: z.string().nullable().describe('When the previous secrets stop signing; GET …/secret shows the new one'),
}).meta({ id: 'SecretRotationResult', description: 'A rotation of the endpoint\'s signing key' });

export const ReplayResult = z.object({ count: z.number().int().describe('Events re-delivered (or, in a dry run, that would be)') }).meta({ id: 'ReplayResult', description: 'How many events a replay queued (or would queue)' });

export const EndpointSecret = z.union([
  z.object({ secret: z.string().describe('whsec_…: the v1 (HMAC-SHA256) signing secret') }),
  z.object({ public_key: z.string().describe('whpk_…: the v1a (ed25519) public key; the private key never leaves Herald') }),
]).meta({ id: 'EndpointSecret', description: 'What verifies the endpoint\'s signatures: its v1 secret, or its v1a public key' });

/** The secret is never part of this: it has its own route. */
export function presentEndpoint(row: EndpointRow): z.infer<typeof WebhookEndpoint> {
  return {
    id: row.id, object: 'webhook_endpoint', mode: row.mode, url: row.url, event_types: row.event_types,
    description: row.description, metadata: row.metadata, enabled: row.enabled, disabled_reason: row.disabled_reason,
    ordering: row.ordering, rate_limit: row.rate_limit, paused_until: row.paused_until?.toISOString() ?? null,
    signature_scheme: row.signature_scheme, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

function presentWindow(s: AttemptStats): z.infer<typeof WindowStats> {
  return {
    attempts: s.attempts, succeeded: s.succeeded,
    success_rate: s.attempts ? Math.round((s.succeeded / s.attempts) * 10_000) / 10_000 : null,
    latency_p50_ms: s.p50_ms, latency_p95_ms: s.p95_ms,
  };
}

export function presentEndpointWithStats(row: EndpointRow, stats: EndpointStats): z.infer<typeof WebhookEndpointWithStats> {
  return { ...presentEndpoint(row), delivery_stats: { last_hour: presentWindow(stats.hour), last_day: presentWindow(stats.day) } };
}

export function presentRotation(endpointId: string, until: Date | null): z.infer<typeof RotationResult> {
  return { object: 'secret_rotation', endpoint_id: endpointId, previous_secrets_expire_at: until?.toISOString() ?? null };
}
