// Products and their variants. Every write records its event in the same transaction.
// Deleting is soft: the product leaves every read and its SKUs are freed, while orders keep
// their line items (which snapshot sku, name and price).
import type { ServiceContext } from '../context.ts';
import type { Tx } from '../db/pool.ts';
import {
  deleteVariantsExcept, findProduct, insertProduct, insertVariants, listProducts as listProductRows, parkVariants, softDeleteProduct,
  updateProduct as updateProductRow, updateVariants, type ProductRow, type VariantFields,
} from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { type TenantScope } from '../scope.ts';
import { unprocessable } from '../errors.ts';
import { presentProduct } from '../presenters/products.ts';
import { newId } from '../ids.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { duplicateAs, findOr404, mergeMetadata, patched, type Metadata, type MetadataPatch } from './resources.ts';

export interface NewProduct {
  name: string;
  description?: string | null;
  active?: boolean;
  metadata?: Metadata;
  variants: VariantFields[];
}

export interface ProductPatch {
  name?: string;
  description?: string | null;
  active?: boolean;
  metadata?: MetadataPatch;
  variants?: (VariantFields & { id?: string })[];
}

const duplicateSku = duplicateAs({ variants_sku: 'a variant with this sku already exists' });

export async function createProduct({ pool }: ServiceContext, scope: TenantScope, input: NewProduct): Promise<ProductRow> {
  return withTenant(pool, scope, async (tx) => {
    const product = await insertProduct(tx, scope, newId('product'), {
      name: input.name, description: input.description ?? null, active: input.active ?? true, metadata: input.metadata ?? {},
    });
    const variants = await insertVariants(tx, scope, product.id, input.variants.map((v, position) => ({ ...v, id: newId('variant'), position })));
    const row = { ...product, variants, images: [] };
    await recordEvent(tx, scope, 'product.created', presentProduct(row));
    return row;
  }).catch(duplicateSku);
}

/** Newest first; returns up to limit + 1 rows (the extra one only says there is more). */
export async function listProducts({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string; activeOnly?: boolean }): Promise<ProductRow[]> {
  return withTenant(pool, scope, (tx) => listProductRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

/** A missing, deleted, other tenant's or other mode's product (or an inactive one with activeOnly) is not found. */
export async function getProduct({ pool }: ServiceContext, scope: TenantScope, id: string, options: { activeOnly?: boolean } = {}): Promise<ProductRow> {
  return withTenant(pool, scope, (tx) => findOr404('product', id, (id) => findProduct(tx, scope, id, options)));
}

/** A JSON merge patch; `variants` replaces the list (ids keep existing variants, the rest are deleted). */
export async function updateProduct({ pool }: ServiceContext, scope: TenantScope, id: string, patch: ProductPatch): Promise<ProductRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('product', id, (id) => findProduct(tx, scope, id, { forUpdate: true }));
    await updateProductRow(tx, scope, id, {
      name: patched(patch.name, before.name),
      description: patched(patch.description, before.description),
      active: patched(patch.active, before.active),
      metadata: mergeMetadata(before.metadata, patch.metadata),
    });
    if (patch.variants) await replaceVariants(tx, scope, before, patch.variants);
    const after = (await findProduct(tx, scope, id))!;
    await recordUpdate(tx, scope, 'product.updated', presentProduct(before), presentProduct(after));
    return after;
  }).catch(duplicateSku);
}

async function replaceVariants(tx: Tx, scope: TenantScope, product: ProductRow, variants: NonNullable<ProductPatch['variants']>): Promise<void> {
  const existing = new Set(product.variants.map((v) => v.id));
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (v.id === undefined) return;
    if (!existing.has(v.id) || seen.has(v.id)) {
      throw unprocessable('a variant id must name one of this product\'s variants, once', [{ pointer: `/variants/${i}/id`, detail: 'not a variant of this product' }]);
    }
    seen.add(v.id);
  });
  const positioned = variants.map((v, position) => ({ ...v, position }));
  const kept = positioned.filter((v): v is typeof v & { id: string } => v.id !== undefined);
  // Delete first, so a sku moving from a removed variant to a new one is free again.
  await deleteVariantsExcept(tx, scope, product.id, kept.map((v) => v.id));
  if (kept.length) {
    await parkVariants(tx, scope, product.id, kept.map((v) => v.id));
    await updateVariants(tx, scope, product.id, kept);
  }
  const added = positioned.filter((v) => v.id === undefined).map((v) => ({ ...v, id: newId('variant') }));
  if (added.length) await insertVariants(tx, scope, product.id, added);
}

export async function deleteProduct({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    const product = await findOr404('product', id, (id) => findProduct(tx, scope, id, { forUpdate: true }));
    await deleteVariantsExcept(tx, scope, id, []);
    await softDeleteProduct(tx, scope, id);
    await recordEvent(tx, scope, 'product.deleted', presentProduct(product));
  });
}
