import { z } from 'zod';
import type { EndpointRow } from '../../db/endpoints.ts';

export const WebhookEndpoint = z.object({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  mode: z.enum(['live', 'test']),
  url: z.string(),
  event_types: z.array(z.string()),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('Why Herald disabled the endpoint (e.g. it answered 410 Gone)'),
  created_at: z.string(),
  updated_at: z.string(),
});

export const EndpointSecret = z.object({ secret: z.string().describe('whsec_… : the Standard Webhooks signing secret') });

/** The secret is never part of this: it has its own route. */
export function presentEndpoint(row: EndpointRow): z.infer<typeof WebhookEndpoint> {
  return {
    id: row.id, object: 'webhook_endpoint', mode: row.mode, url: row.url, event_types: row.event_types,
    description: row.description, metadata: row.metadata, enabled: row.enabled, disabled_reason: row.disabled_reason,
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}
