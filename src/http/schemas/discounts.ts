import { z } from 'zod';
import { Amount, Currency, Metadata, MetadataPatch, ResourceId } from './commerce.ts';
import { Timestamp } from './common.ts';

const Terms = {
  product_ids: z.array(ResourceId).min(1).max(100).nullable().optional()
    .describe('Applies to these products\' lines only (the tenant\'s own products); null or absent: to the whole subtotal'),
  min_subtotal: z.number().int().min(0).max(9_999_999_999).nullable().optional()
    .describe('The order\'s subtotal must reach this, in minor units of `currency` (so it needs one)'),
  starts_at: Timestamp.nullable().optional().describe('Applies from this instant (inclusive)'),
  ends_at: Timestamp.nullable().optional().describe('Applies until this instant (exclusive)'),
  active: z.boolean().optional().describe('Defaults to true'),
};

function orderedWindow(d: { starts_at?: string | null; ends_at?: string | null }, ctx: z.RefinementCtx) {
  if (d.starts_at && d.ends_at && Date.parse(d.ends_at) <= Date.parse(d.starts_at)) {
    ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
  }
}

const Name = z.string().trim().min(1).max(200);

export const NewDiscount = z.strictObject({
  name: Name,
  percent_off: z.number().int().min(1).max(100).optional(),
  amount_off: Amount.min(1).optional(),
  currency: Currency.optional().describe('Required with amount_off or min_subtotal; restricts the discount to orders in this currency'),
  ...Terms,
  metadata: Metadata.optional(),
}).superRefine((d, ctx) => {
  if ((d.percent_off === undefined) === (d.amount_off === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['percent_off'], message: 'give exactly one of percent_off and amount_off' });
  }
  if (d.currency === undefined && d.amount_off !== undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with amount_off' });
  if (d.currency === undefined && d.min_subtotal != null) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with min_subtotal' });
  orderedWindow(d, ctx);
}).meta({ id: 'NewDiscount' });

/** The value (percent or amount, currency) is fixed once created; the terms may change. */
export const DiscountPatch = z.strictObject({ name: Name.optional(), ...Terms, metadata: MetadataPatch.optional() }).superRefine(orderedWindow).meta({ id: 'DiscountPatch' });
