import { z } from 'zod';
import { Amount, Currency, Metadata, MetadataPatch, ResourceId } from './commerce.ts';

export const NewVariant = z.strictObject({
  sku: z.string().trim().min(1).max(100),
  price: Amount,
  currency: Currency,
  inventory_quantity: z.number().int().min(0).max(1_000_000_000),
});

export const NewProduct = z.strictObject({
  name: z.string().trim().min(1).max(500),
  description: z.string().max(5000).nullable().optional(),
  active: z.boolean().optional().describe('Defaults to true; inactive products are hidden from publishable keys and the storefront'),
  metadata: Metadata.optional(),
  variants: z.array(NewVariant).min(1).max(100),
});

export const ProductPatch = z.strictObject({
  name: z.string().trim().min(1).max(500).optional(),
  description: z.string().max(5000).nullable().optional(),
  active: z.boolean().optional(),
  metadata: MetadataPatch.optional(),
  variants: z.array(NewVariant.extend({ id: ResourceId.optional().describe('An existing variant of this product to keep') }))
    .min(1).max(100).optional()
    .describe('Replaces the variant list: listed ids are kept and updated, entries without id are added, the rest are deleted'),
});
