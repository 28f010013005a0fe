import { z } from 'zod';
import { Amount, Currency, Metadata, MetadataPatch, ResourceId } from './commerce.ts';
import { queryInteger } from './common.ts';

export const NewVariant = z.strictObject({
  sku: z.string().trim().min(1).max(100),
  price: Amount,
  currency: Currency,
  inventory_quantity: z.number().int().min(0).max(1_000_000_000),
}).meta({ id: 'NewVariant' });

export const NewProduct = z.strictObject({
  name: z.string().trim().min(1).max(500),
  description: z.string().max(5000).nullable().optional(),
  active: z.boolean().optional().describe('Defaults to true; inactive products are hidden from publishable keys and the storefront'),
  metadata: Metadata.optional(),
  variants: z.array(NewVariant).min(1).max(100),
}).meta({ id: 'NewProduct', description: 'A new product with at least one variant',
  examples: [{ name: 'Linen shirt', description: 'Breathable, pre-washed', variants: [{ sku: 'SHIRT-M', price: 4900, currency: 'EUR', inventory_quantity: 25 }] }] });

export const ProductPatch = z.strictObject({
  name: z.string().trim().min(1).max(500).optional(),
  description: z.string().max(5000).nullable().optional(),
  active: z.boolean().optional(),
  metadata: MetadataPatch.optional(),
  variants: z.array(NewVariant.extend({ id: ResourceId.optional().describe('An existing variant of this product to keep') }))
    .min(1).max(100).optional()
    .describe('Replaces the variant list: listed ids are kept and updated, entries without id are added, the rest are deleted'),
}).meta({ id: 'ProductPatch' });

export const VariantPatch = z.strictObject({
  sku: NewVariant.shape.sku.optional(),
  price: Amount.optional(),
  currency: Currency.optional(),
  inventory_quantity: NewVariant.shape.inventory_quantity.optional().describe('Sets the stock outright; POST …/inventory adjusts it atomically'),
}).meta({ id: 'VariantPatch' });

export const InventoryAdjustment = z.strictObject({
  adjustment: z.number().int().min(-1_000_000_000).max(1_000_000_000).refine((n) => n !== 0, 'must not be 0')
    .describe('Added to inventory_quantity (negative to take); a result below 0 is a 409 and changes nothing'),
}).meta({ id: 'InventoryAdjustment' });

const Alt = z.string().max(500).nullable().describe('Alternative text');
const Position = z.number().int().min(0).max(1_000_000).describe('Images are ordered by position, then by creation; default: after the last');

export const ImageReference = z.strictObject({
  url: z.string().min(1).max(2048).describe('https: (http: outside production); a public address, checked like a webhook URL although Herald never fetches it'),
  alt: Alt.optional(),
  position: Position.optional(),
}).meta({ id: 'ImageReference', description: 'A URL reference as JSON, or the image itself as the body (image/png, image/jpeg, image/webp or image/gif, at most 5 MiB; alt and position then come as query parameters)' });

/** With an uploaded image: its alt text and position as query parameters. */
export const ImageUploadQuery = z.strictObject({
  alt: z.string().max(500).optional(),
  position: queryInteger(0, 1_000_000, 'a whole number').optional(),
});

export const ImagePatch = z.strictObject({ alt: Alt.optional(), position: Position.optional() }).meta({ id: 'ImagePatch' });
