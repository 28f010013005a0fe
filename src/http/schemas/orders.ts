import { z } from 'zod';
import { Metadata, MetadataPatch, ResourceId } from './commerce.ts';
import { ListQuery } from './common.ts';

export const NewOrder = z.strictObject({
  customer_id: ResourceId.nullable().optional(),
  coupon_code: z.string().min(1).max(100).nullable().optional(),
  line_items: z.array(z.strictObject({
    variant_id: ResourceId,
    quantity: z.number().int().min(1).max(10_000),
  })).min(1).max(100),
  metadata: Metadata.optional(),
}).meta({ id: 'NewOrder', description: 'A new order, priced by Herald from the variants, the best automatic discount and the coupon',
  examples: [{ customer_id: 'cus_01jdq3m8k2x9v7c4b6n0p5r1s3', coupon_code: 'WELCOME10', line_items: [{ variant_id: 'var_01jdq3m8k2x9v7c4b6n0p5r1s4', quantity: 2 }] }] });

export const OrderPatch = z.strictObject({ metadata: MetadataPatch.optional() }).meta({ id: 'OrderPatch' });

export const OrderListQuery = ListQuery.extend({
  status: z.enum(['pending', 'paid', 'fulfilled', 'cancelled']).optional(),
  customer_id: ResourceId.optional(),
});
