// The webhook request Herald sends (DESIGN §3), as a pure function of the event, the signing
// keys (`whsec_` secrets sign v1, `whsk_` private keys v1a: each key carries its scheme), the
// attempt number and the attempt's time: Standard Webhooks headers, Herald's own tenant, type and
// attempt headers, and the event envelope as the body.
import { eventJson, type StoredEvent } from '../presenters/events.ts';
import { sign } from './sign.ts';

export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
}

export function buildWebhookRequest(event: StoredEvent, secrets: readonly string[], attempt: number, at: Date): WebhookRequest {
  const body = eventJson(event);
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    body,
    headers: {
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(secrets, event.id, timestamp, body),
      'herald-tenant-id': event.tenant_id,
      'herald-event-type': event.type,
      'herald-attempt': String(attempt),
    },
  };
}
