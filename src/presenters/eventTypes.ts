// The catalog of Herald's built-in event types (DESIGN §4): each type with what it means and the
// zod schema of its `data`, which is the presenter schema of the resource the event carries, so
// the catalog (GET /v1/event-types) and the OpenAPI document's `webhooks` section follow any
// change to a presenter by themselves. Each family of types also has its envelope: the webhook
// body (and GET /v1/events/:id) with `data` typed.
import { z } from 'zod';
import { MODES } from '../scope.ts';
import { Cart, Checkout } from './carts.ts';
import { Page, Post } from './content.ts';
import { Coupon } from './coupons.ts';
import { Customer } from './customers.ts';
import { Discount } from './discounts.ts';
import { Order } from './orders.ts';
import { Product, Variant } from './products.ts';
import { Settings } from './settings.ts';

export const EndpointDisabled = z.object({
  endpoint_id: z.string().describe('The endpoint Herald disabled'),
  reason: z.string().describe('Why: it answered 410 Gone, or failed continuously for HERALD_DISABLE_AFTER'),
}).meta({ id: 'EndpointDisabled', description: 'An endpoint Herald disabled automatically' });

export const WebhookTest = z.object({
  endpoint_id: z.string().describe('The endpoint the test was sent to (and only to it)'),
  message: z.string(),
}).meta({ id: 'WebhookTest', description: 'A test sent by POST /v1/webhook-endpoints/:id/test' });

export interface EventType {
  type: string;
  description: string;
  /** The schema of the event's `data`. */
  data: z.ZodType;
  /** The whole event (the webhook body) of this type's family, `data` typed. */
  envelope: z.ZodType;
}

const Envelope = (name: string, types: string[], data: z.ZodType) => z.object({
  id: z.string().describe('evt_…: also the webhook-id header, the same on every attempt and replay (deduplicate with it)'),
  type: z.enum(types as [string, ...string[]]),
  tenant_id: z.string().describe('The tenant (UUID); also the herald-tenant-id header'),
  mode: z.enum(MODES),
  created_at: z.string().describe('When the change committed (ISO 8601)'),
  data,
  previous_attributes: z.record(z.string(), z.unknown()).optional()
    .describe('On *.updated events only: the previous values of the fields of data that changed'),
}).meta({ id: `${name}Event`, description: `A webhook carrying ${types.join(', ')} (the same body as GET /v1/events/:id)` });

/** A family of types sharing one data schema: `verbs` maps each type's last segment to its description. */
function family(name: string, namespace: string, data: z.ZodType, verbs: Record<string, string>): EventType[] {
  const types = Object.keys(verbs).map((verb) => `${namespace}.${verb}`);
  const envelope = Envelope(name, types, data);
  return Object.entries(verbs).map(([verb, description]) => ({ type: `${namespace}.${verb}`, description, data, envelope }));
}

/** The usual three: data is the resource after a create or update, as it was before a delete. */
const lifecycle = (name: string, namespace: string, data: z.ZodType, what: string) => family(name, namespace, data, {
  created: `${what} was created; data is the ${namespace} as the API answers it`,
  updated: `${what} changed; data is the ${namespace} now, previous_attributes the old values of the fields that changed`,
  deleted: `${what} was deleted; data is the ${namespace} as it was`,
});

export const EVENT_TYPES: EventType[] = [
  ...lifecycle('Product', 'product', Product, 'A product (or its images)'),
  ...lifecycle('Variant', 'variant', Variant, 'A product variant'),
  ...lifecycle('Customer', 'customer', Customer, 'A customer (or its addresses)'),
  ...lifecycle('Coupon', 'coupon', Coupon, 'A coupon'),
  ...lifecycle('Discount', 'discount', Discount, 'An automatic discount'),
  ...family('Order', 'order', Order, {
    created: 'An order was placed, through the API or by a completed checkout (status pending)',
    updated: 'An order\'s metadata changed; previous_attributes holds the old values',
    paid: 'An order was paid (POST /v1/orders/:id/pay)',
    fulfilled: 'An order was fulfilled (POST /v1/orders/:id/fulfill)',
    cancelled: 'An order was cancelled, by POST /v1/orders/:id/cancel or, for an unpaid storefront order, after HERALD_UNPAID_ORDER_TTL; its stock and coupon are returned',
  }),
  ...family('Cart', 'cart', Cart, {
    created: 'A storefront cart was created',
    updated: 'A storefront cart\'s lines changed; previous_attributes holds the old values',
  }),
  ...family('Checkout', 'checkout', Checkout, {
    created: 'A cart was checked out: its totals are quoted for 24 hours',
    completed: 'A checkout was completed; order.created follows for the order it became',
    expired: 'An open checkout passed its expires_at without being completed',
  }),
  ...lifecycle('Page', 'page', Page, 'A page'),
  ...lifecycle('Post', 'post', Post, 'A blog post'),
  ...family('Settings', 'settings', Settings, {
    updated: 'The shop\'s settings changed (per mode); previous_attributes holds the old values',
  }),
  ...family('EndpointDisabled', 'endpoint', EndpointDisabled, {
    disabled: 'Herald disabled an endpoint (410 Gone, or failing continuously for HERALD_DISABLE_AFTER); sent to the tenant\'s endpoints that subscribe to it',
  }),
  ...family('WebhookTest', 'webhook', WebhookTest, {
    test: 'A test event, sent only to the endpoint named by POST /v1/webhook-endpoints/:id/test; no filter matches it',
  }),
];

/** The catalog entry as GET /v1/event-types answers it. */
export const EventTypeEntry = z.object({
  type: z.string().describe('e.g. order.paid'),
  description: z.string(),
  schema: z.record(z.string(), z.unknown()).describe('The JSON Schema (draft 2020-12) of the event\'s data'),
}).meta({ id: 'EventType' });

/** A standalone JSON Schema of `schema`, its root inline (zod puts a named root under $defs). */
function standalone(schema: z.ZodType): Record<string, unknown> {
  const { $schema, $ref, $defs, ...rest } = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, any>;
  const name = typeof $ref === 'string' ? $ref.replace('#/$defs/', '') : undefined;
  const { [name ?? '']: root, ...others } = ($defs ?? {}) as Record<string, object>;
  return { $schema, ...(name ? root : rest), ...(Object.keys(others).length ? { $defs: others } : {}) };
}

const dataSchemas = new Map(EVENT_TYPES.map((t) => [t.type, standalone(t.data)]));

export const presentEventType = (t: EventType): z.infer<typeof EventTypeEntry> =>
  ({ type: t.type, description: t.description, schema: dataSchemas.get(t.type)! });
