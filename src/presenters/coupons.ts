import { z } from 'zod';
import type { CouponRow } from '../db/coupons.ts';
import { iso, Metadata } from './fields.ts';

export const Coupon = z.object({
  id: z.string(),
  object: z.literal('coupon'),
  code: z.string(),
  percent_off: z.number().int().nullable(),
  amount_off: z.number().int().nullable().describe('In minor units of `currency`'),
  currency: z.string().nullable(),
  valid_from: z.string().nullable(),
  valid_until: z.string().nullable(),
  max_redemptions: z.number().int().nullable(),
  times_redeemed: z.number().int(),
  metadata: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Coupon', description: 'A code for a percentage or an amount off' });

export function presentCoupon(row: CouponRow): z.infer<typeof Coupon> {
  return {
    id: row.id, object: 'coupon', code: row.code, percent_off: row.percent_off, amount_off: row.amount_off === null ? null : Number(row.amount_off),
    currency: row.currency, valid_from: iso(row.valid_from), valid_until: iso(row.valid_until), max_redemptions: row.max_redemptions,
    times_redeemed: row.times_redeemed, metadata: row.metadata, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}
