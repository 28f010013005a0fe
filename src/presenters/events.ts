import { z } from 'zod';
import type { EventRow } from '../db/events.ts';
import { MODES } from '../scope.ts';

/** The event envelope (DESIGN §3): the webhook body and the GET /v1/events/:id body. */
export const Event = z.object({
  id: z.string(),
  type: z.string(),
  tenant_id: z.string(),
  mode: z.enum(MODES),
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
  previous_attributes: z.record(z.string(), z.unknown()).optional().describe('On *.updated events: the old values of the changed fields'),
});

export type EventEnvelope = z.infer<typeof Event>;

/** The webhook body and the GET /v1/events/:id body: one envelope. Field order is the API's. */
export function presentEvent(e: EventRow): EventEnvelope {
  return {
    id: e.id,
    type: e.type,
    tenant_id: e.tenant_id,
    mode: e.mode,
    created_at: e.created_at.toISOString(),
    data: e.data,
    ...(e.previous_attributes ? { previous_attributes: e.previous_attributes } : {}),
  };
}
