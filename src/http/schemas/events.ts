import { z } from 'zod';
import { refusingProtoKey } from './commerce.ts';
import { ListQuery, Timestamp } from './common.ts';

const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export const NewEvent = z.strictObject({
  type: z.string().max(100).regex(EVENT_TYPE, 'dotted lowercase segments, e.g. invoice.sent')
    .describe('Custom type; the product. variant. customer. coupon. discount. order. cart. checkout. page. post. settings. endpoint. webhook. namespaces are reserved'),
  data: refusingProtoKey(z.record(z.string(), z.unknown()).describe('Any JSON object, at most 64 KiB')),
  ordering_key: z.string().min(1).max(200).optional()
    .describe('Endpoints with ordering "key" receive the events sharing a key one at a time, in the order they were recorded'),
}).meta({ id: 'NewEvent', description: 'A custom event, delivered like any other',
  examples: [{ type: 'invoice.sent', data: { invoice: 'INV-1001', total: 9900 } }] });

export const EventListQuery = ListQuery.extend({
  type: z.string().max(100).regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/, 'an event type, or a namespace wildcard such as order.*').optional(),
  created_gte: Timestamp.optional(),
  created_lt: Timestamp.optional(),
});
