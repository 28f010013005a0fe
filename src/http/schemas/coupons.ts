import { z } from 'zod';
import { Amount, Currency, Metadata, MetadataPatch } from './commerce.ts';
import { Timestamp } from './common.ts';

const Window = {
  valid_from: Timestamp.nullable().optional().describe('Usable from this instant (inclusive)'),
  valid_until: Timestamp.nullable().optional().describe('Usable until this instant (exclusive)'),
  max_redemptions: z.number().int().min(1).max(1_000_000_000).nullable().optional().describe('How many paid orders may use it'),
  metadata: Metadata.optional(),
};

function orderedWindow(c: { valid_from?: string | null; valid_until?: string | null }, ctx: z.RefinementCtx) {
  if (c.valid_from && c.valid_until && Date.parse(c.valid_until) <= Date.parse(c.valid_from)) {
    ctx.addIssue({ code: 'custom', path: ['valid_until'], message: 'must be after valid_from' });
  }
}

export const NewCoupon = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, - and _, at most 100').describe('Unique per mode, matched case-insensitively'),
  percent_off: z.number().int().min(1).max(100).optional(),
  amount_off: Amount.min(1).optional(),
  currency: Currency.optional().describe('Required with amount_off'),
  ...Window,
}).superRefine((c, ctx) => {
  if ((c.percent_off === undefined) === (c.amount_off === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['percent_off'], message: 'give exactly one of percent_off and amount_off' });
  }
  if (c.amount_off !== undefined && c.currency === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with amount_off' });
  if (c.percent_off !== undefined && c.currency !== undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'only with amount_off' });
  orderedWindow(c, ctx);
}).meta({ id: 'NewCoupon' });

/** The discount itself is fixed once created (orders already carry it); its terms may change. */
export const CouponPatch = z.strictObject({ ...Window, metadata: MetadataPatch.optional() }).superRefine(orderedWindow).meta({ id: 'CouponPatch' });
