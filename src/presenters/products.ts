import { z } from 'zod';
import type { ProductRow, VariantRow } from '../db/products.ts';
import { Metadata } from './fields.ts';

export const Variant = z.object({
  id: z.string(),
  object: z.literal('variant'),
  sku: z.string(),
  price: z.number().int().describe('In minor units of the currency'),
  currency: z.string().describe('ISO 4217, upper case'),
  inventory_quantity: z.number().int(),
});

export const Product = z.object({
  id: z.string(),
  object: z.literal('product'),
  name: z.string(),
  description: z.string().nullable(),
  active: z.boolean(),
  metadata: Metadata,
  variants: z.array(Variant),
  created_at: z.string(),
  updated_at: z.string(),
});

export const presentVariant = (v: VariantRow): z.infer<typeof Variant> => ({
  id: v.id, object: 'variant', sku: v.sku, price: Number(v.price), currency: v.currency, inventory_quantity: v.inventory_quantity,
});

export function presentProduct(row: ProductRow): z.infer<typeof Product> {
  return {
    id: row.id, object: 'product', name: row.name, description: row.description, active: row.active, metadata: row.metadata,
    variants: row.variants.map(presentVariant), created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

/** The storefront's view: public fields only. Merchants keep internal data in `metadata`. */
export const PublicProduct = Product.omit({ metadata: true });

export function presentPublicProduct(row: ProductRow): z.infer<typeof PublicProduct> {
  const { metadata: _internal, ...shown } = presentProduct(row);
  return shown;
}
