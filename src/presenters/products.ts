import { z } from 'zod';
import type { ImageRow, ProductRow, VariantRow } from '../db/products.ts';
import { isoOf, Metadata } from './fields.ts';

export const Variant = z.object({
  id: z.string(),
  object: z.literal('variant'),
  product_id: z.string(),
  sku: z.string(),
  price: z.number().int().describe('In minor units of the currency'),
  currency: z.string().describe('ISO 4217, upper case'),
  inventory_quantity: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Variant', description: 'A variant of a product: SKU, price and stock' });

export const Image = z.object({
  id: z.string(),
  object: z.literal('image'),
  product_id: z.string(),
  source: z.enum(['url', 'upload']).describe('url: a reference Herald never fetches; upload: the image itself, stored by Herald'),
  url: z.string().nullable().describe('The reference (source url); null for an upload, whose bytes are at GET /v1/images/:id/content'),
  alt: z.string().nullable(),
  position: z.number().int().describe('Images are ordered by position, then by creation'),
  content_type: z.string().nullable().describe('Uploads: image/png, image/jpeg, image/webp or image/gif, as read from the bytes'),
  byte_size: z.number().int().nullable(),
  width: z.number().int().nullable().describe('Uploads: pixels, read from the image'),
  height: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Image', description: 'An image of a product: a URL reference or uploaded bytes' });

export const Product = z.object({
  id: z.string(),
  object: z.literal('product'),
  name: z.string(),
  description: z.string().nullable(),
  active: z.boolean(),
  metadata: Metadata,
  variants: z.array(Variant),
  images: z.array(Image),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Product', description: 'A product with its variants and images' });

export const presentVariant = (v: VariantRow): z.infer<typeof Variant> => ({
  id: v.id, object: 'variant', product_id: v.product_id, sku: v.sku, price: Number(v.price), currency: v.currency,
  inventory_quantity: v.inventory_quantity, created_at: isoOf(v.created_at), updated_at: isoOf(v.updated_at),
});

export const presentImage = (i: ImageRow): z.infer<typeof Image> => ({
  id: i.id, object: 'image', product_id: i.product_id, source: i.url === null ? 'upload' : 'url', url: i.url, alt: i.alt, position: i.position,
  content_type: i.content_type, byte_size: i.byte_size, width: i.width, height: i.height, created_at: isoOf(i.created_at), updated_at: isoOf(i.updated_at),
});

export function presentProduct(row: ProductRow): z.infer<typeof Product> {
  return {
    id: row.id, object: 'product', name: row.name, description: row.description, active: row.active, metadata: row.metadata,
    variants: row.variants.map(presentVariant), images: row.images.map(presentImage),
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

/** The storefront's view: public fields only. Merchants keep internal data in `metadata`. */
export const PublicProduct = Product.omit({ metadata: true }).meta({ id: 'PublicProduct', description: 'An active product as the storefront shows it (no metadata)' });

export function presentPublicProduct(row: ProductRow): z.infer<typeof PublicProduct> {
  const { metadata: _internal, ...shown } = presentProduct(row);
  return shown;
}
