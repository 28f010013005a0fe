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
}).meta({ id: 'Event', description: 'An event: the body of its webhooks, byte for byte',
  examples: [{ id: 'evt_01jdq3m8k2x9v7c4b6n0p5r1s3', type: 'customer.updated', tenant_id: '6f1c2a52-6a8e-4c4b-9d8e-2b7a4f3c1d00', mode: 'live', created_at: '2026-11-29T10:00:00.000Z', data: { id: 'cus_01jdq3m8k2x9v7c4b6n0p5r1s4', object: 'customer', email: 'ada@example.com', name: 'Ada King' }, previous_attributes: { name: 'Ada Lovelace' } }] });

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

/** An event as stored, its payloads still the JSON text they were written as (compact, in the API's field order). */
export interface StoredEvent {
  id: string;
  type: string;
  tenant_id: string;
  mode: EventEnvelope['mode'];
  created_at: Date;
  data: string;
  previous_attributes: string | null;
}

/**
 * The envelope's JSON text built around the stored payload text: the same bytes as
 * JSON.stringify(presentEvent(row)), without parsing and re-serialising a payload of up to 64 KiB
 * for every attempt.
 */
export function eventJson(e: StoredEvent): string {
  const head = `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"tenant_id":${JSON.stringify(e.tenant_id)},` +
    `"mode":${JSON.stringify(e.mode)},"created_at":"${e.created_at.toISOString()}","data":${e.data}`;
  return e.previous_attributes === null ? `${head}}` : `${head},"previous_attributes":${e.previous_attributes}}`;
}
