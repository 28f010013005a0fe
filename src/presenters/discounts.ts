import { z } from 'zod';
import type { DiscountRow } from '../db/discounts.ts';
import { iso, Metadata } from './fields.ts';

export const Discount = z.object({
  id: z.string(),
  object: z.literal('discount'),
  name: z.string(),
  percent_off: z.number().int().nullable(),
  amount_off: z.number().int().nullable().describe('In minor units of `currency`'),
  currency: z.string().nullable().describe('Set: applies only to orders in this currency'),
  product_ids: z.array(z.string()).nullable().describe('Set: applies to these products\' lines only; null: to the whole subtotal'),
  min_subtotal: z.number().int().nullable().describe('The order\'s subtotal must reach this (minor units of `currency`)'),
  starts_at: z.string().nullable(),
  ends_at: z.string().nullable(),
  active: z.boolean(),
  metadata: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Discount', description: 'An automatic discount (no code): applies to every order that qualifies' });

export function presentDiscount(row: DiscountRow): z.infer<typeof Discount> {
  return {
    id: row.id, object: 'discount', name: row.name, percent_off: row.percent_off, amount_off: row.amount_off === null ? null : Number(row.amount_off),
    currency: row.currency, product_ids: row.product_ids, min_subtotal: row.min_subtotal === null ? null : Number(row.min_subtotal),
    starts_at: iso(row.starts_at), ends_at: iso(row.ends_at), active: row.active, metadata: row.metadata,
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}
