import { z } from 'zod';
import { MODES } from '../scope.ts';
import type { AttemptRow } from '../db/attempts.ts';
import { DELIVERY_STATUSES, type DeliveryRow } from '../db/deliveries.ts';

export const Delivery = z.object({
  id: z.string(),
  object: z.literal('delivery'),
  mode: z.enum(MODES),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  status_reason: z.string().nullable().describe('Why the delivery failed or was cancelled'),
  attempt_count: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Delivery', description: 'One event\'s delivery to one webhook endpoint' });

export const Attempt = z.object({
  id: z.string(),
  number: z.number().int().describe('1-based; sent as herald-attempt'),
  started_at: z.string(),
  duration_ms: z.number().int(),
  status_code: z.number().int().nullable(),
  response_headers: z.record(z.string(), z.string()).nullable(),
  response_body: z.string().nullable().describe('The first 64 KiB of the response body'),
  error: z.object({ kind: z.string(), message: z.string() }).nullable().describe('Why no response arrived (timeout, connection_refused, address_refused, ...)'),
}).meta({ id: 'Attempt', description: 'One attempt of a delivery: the request Herald made and what came back' });

export const DeliveryWithAttempts = Delivery.extend({ attempts: z.array(Attempt) }).meta({ id: 'DeliveryWithAttempts', description: 'A delivery with every attempt made, oldest first' });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentDelivery(row: DeliveryRow): z.infer<typeof Delivery> {
  return {
    id: row.id, object: 'delivery', mode: row.mode, endpoint_id: row.endpoint_id, event_id: row.event_id, event_type: row.event_type,
    status: row.status, status_reason: row.status_reason, attempt_count: row.attempt_count,
    next_attempt_at: iso(row.next_attempt_at), last_attempt_at: iso(row.last_attempt_at),
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

export function presentAttempt(row: AttemptRow): z.infer<typeof Attempt> {
  return {
    id: row.id, number: row.number, started_at: row.started_at.toISOString(), duration_ms: row.duration_ms,
    status_code: row.status_code, response_headers: row.response_headers, response_body: row.response_body,
    error: row.error_kind ? { kind: row.error_kind, message: row.error_message ?? '' } : null,
  };
}
