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
});

export const OrderPatch = z.strictObject({ metadata: MetadataPatch.optional() });

export const OrderListQuery = ListQuery.extend({
  status: z.enum(['pending', 'paid', 'fulfilled', 'cancelled']).optional(),
  customer_id: ResourceId.optional(),
});
