import { z } from 'zod';
import type { AppliedDiscount as AppliedDiscountRow, LineItemRow, OrderRow, ShippingAddress as ShippingAddressRow } from '../db/orders.ts';
import { Address } from './customers.ts';
import { iso, Metadata } from './fields.ts';

export const LineItem = z.object({
  id: z.string(),
  variant_id: z.string(),
  product_id: z.string(),
  sku: z.string().describe('As it was when the order was placed'),
  name: z.string().describe('The product name when the order was placed'),
  unit_price: z.number().int(),
  quantity: z.number().int(),
  amount: z.number().int(),
}).meta({ id: 'LineItem', description: 'A line of an order, as it was priced when the order was placed' });

export const AppliedDiscount = z.object({
  id: z.string().describe('The automatic discount (dsc_…) or the coupon (cpn_…)'),
  amount: z.number().int().describe('Minor units taken off'),
}).meta({ id: 'AppliedDiscount' });

export const ShippingAddress = z.object({ name: z.string(), ...Address.omit({ id: true }).shape, phone: z.string().nullable() }).meta({ id: 'ShippingAddress' });

export const Order = z.object({
  id: z.string(),
  object: z.literal('order'),
  number: z.number().int().describe('Sequential per tenant and mode, from 1'),
  name: z.string().describe('The number as shown: the settings\' order_number_prefix when the order was made, then the number'),
  status: z.enum(['pending', 'paid', 'fulfilled', 'cancelled']),
  source: z.enum(['api', 'storefront']).describe('storefront: completed from a checkout; it holds its stock and coupon while pending'),
  checkout_id: z.string().nullable(),
  customer_id: z.string().nullable(),
  email: z.string().nullable(),
  shipping_address: ShippingAddress.nullable(),
  coupon_code: z.string().nullable(),
  currency: z.string(),
  subtotal: z.number().int(),
  discount: z.number().int().describe('The sum of `discounts`'),
  discounts: z.array(AppliedDiscount).describe('The best automatic discount first, then the coupon on what remained'),
  total: z.number().int(),
  line_items: z.array(LineItem),
  metadata: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
  payment_due_at: z.string().nullable().describe('Storefront orders: still pending then, the order is cancelled and its stock and coupon returned'),
  paid_at: z.string().nullable(),
  fulfilled_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
}).meta({ id: 'Order', description: 'An order with its line items and totals (minor units)' });

const presentLineItem = (li: LineItemRow): z.infer<typeof LineItem> => ({
  id: li.id, variant_id: li.variant_id, product_id: li.product_id, sku: li.sku, name: li.name,
  unit_price: Number(li.unit_price), quantity: li.quantity, amount: Number(li.amount),
});

/** Field by field: stored as jsonb, whose key order is not the API's. */
export const presentShippingAddress = (a: ShippingAddressRow): z.infer<typeof ShippingAddress> => ({
  name: a.name, line1: a.line1, line2: a.line2, city: a.city, state: a.state, postal_code: a.postal_code, country: a.country, phone: a.phone,
});

export const presentDiscounts = (discounts: AppliedDiscountRow[]): z.infer<typeof AppliedDiscount>[] =>
  discounts.map((d) => ({ id: d.id, amount: Number(d.amount) }));

export function presentOrder(row: OrderRow): z.infer<typeof Order> {
  return {
    id: row.id, object: 'order', number: Number(row.number), name: row.name, status: row.status, source: row.source, checkout_id: row.checkout_id,
    customer_id: row.customer_id, email: row.email, shipping_address: row.shipping_address && presentShippingAddress(row.shipping_address), coupon_code: row.coupon_code, currency: row.currency,
    subtotal: Number(row.subtotal), discount: Number(row.discount), discounts: presentDiscounts(row.discounts), total: Number(row.total),
    line_items: row.line_items.map(presentLineItem),
    metadata: row.metadata, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
    payment_due_at: iso(row.payment_due_at), paid_at: iso(row.paid_at), fulfilled_at: iso(row.fulfilled_at), cancelled_at: iso(row.cancelled_at),
  };
}
