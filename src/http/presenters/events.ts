import { z } from 'zod';

/** The event envelope (DESIGN §3): the webhook body and the GET /v1/events/:id body. */
export const Event = z.object({
  id: z.string(),
  type: z.string(),
  tenant_id: z.string(),
  mode: z.enum(['live', 'test']),
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
  previous_attributes: z.record(z.string(), z.unknown()).optional().describe('On *.updated events: the old values of the changed fields'),
});
