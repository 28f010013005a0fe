import { z } from 'zod';
import type { LineItemRow, OrderRow } from '../db/orders.ts';
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
});

export const Order = z.object({
  id: z.string(),
  object: z.literal('order'),
  status: z.enum(['pending', 'paid', 'fulfilled', 'cancelled']),
  customer_id: z.string().nullable(),
  coupon_code: z.string().nullable(),
  currency: z.string(),
  subtotal: z.number().int(),
  discount: z.number().int(),
  total: z.number().int(),
  line_items: z.array(LineItem),
  metadata: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
  paid_at: z.string().nullable(),
  fulfilled_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
});

const presentLineItem = (li: LineItemRow): z.infer<typeof LineItem> => ({
  id: li.id, variant_id: li.variant_id, product_id: li.product_id, sku: li.sku, name: li.name,
  unit_price: Number(li.unit_price), quantity: li.quantity, amount: Number(li.amount),
});

export function presentOrder(row: OrderRow): z.infer<typeof Order> {
  return {
    id: row.id, object: 'order', status: row.status, customer_id: row.customer_id, coupon_code: row.coupon_code, currency: row.currency,
    subtotal: Number(row.subtotal), discount: Number(row.discount), total: Number(row.total), line_items: row.line_items.map(presentLineItem),
    metadata: row.metadata, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
    paid_at: iso(row.paid_at), fulfilled_at: iso(row.fulfilled_at), cancelled_at: iso(row.cancelled_at),
  };
}
