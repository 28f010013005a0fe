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

export const VariantPatch = z.strictObject({
  sku: NewVariant.shape.sku.optional(),
  price: Amount.optional(),
  currency: Currency.optional(),
  inventory_quantity: NewVariant.shape.inventory_quantity.optional().describe('Sets the stock outright; POST …/inventory adjusts it atomically'),
});

export const InventoryAdjustment = z.strictObject({
  adjustment: z.number().int().min(-1_000_000_000).max(1_000_000_000).refine((n) => n !== 0, 'must not be 0')
    .describe('Added to inventory_quantity (negative to take); a result below 0 is a 409 and changes nothing'),
});

const Alt = z.string().max(500).nullable().describe('Alternative text');
const Position = z.number().int().min(0).max(1_000_000).describe('Images are ordered by position, then by creation; default: after the last');

export const ImageReference = z.strictObject({
  url: z.string().min(1).max(2048).describe('https: (http: outside production); a public address, checked like a webhook URL although Herald never fetches it'),
  alt: Alt.optional(),
  position: Position.optional(),
}).describe('A URL reference as JSON, or the image itself as the body (image/png, image/jpeg, image/webp or image/gif, at most 5 MiB; alt and position then come as query parameters)');

/** With an uploaded image: its alt text and position as query parameters. */
export const ImageUploadQuery = z.strictObject({
  alt: z.string().max(500).optional(),
  position: z.string().regex(/^\d{1,7}$/, 'a whole number').transform(Number).optional(),
});

export const ImagePatch = z.strictObject({ alt: Alt.optional(), position: Position.optional() });
