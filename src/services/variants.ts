// Variants on their own: listed and added under their product, read, changed and deleted by id,
// and their stock adjusted atomically. Each write records variant.created|updated|deleted.
import type { ServiceContext } from '../context.ts';
import { findProduct, type VariantFields, type VariantRow } from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { adjustInventory, findVariant, insertVariant, listVariants as listVariantRows, softDeleteVariant, updateVariant as updateVariantRow, variantSlots } from '../db/variants.ts';
import { conflict, unprocessable } from '../errors.ts';
import { newId } from '../ids.ts';
import { presentVariant } from '../presenters/products.ts';
import type { TenantScope } from '../scope.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { duplicateAs, findOr404, patched } from './resources.ts';

/** As many as a product may be created with (POST /v1/products takes at most 100). */
export const MAX_VARIANTS = 100;
export const MAX_INVENTORY = 1_000_000_000;

const duplicateSku = duplicateAs({ variants_sku: 'a variant with this sku already exists' });

export async function listVariants({ pool }: ServiceContext, scope: TenantScope, productId: string, page: { limit: number; startingAfter?: string }): Promise<VariantRow[]> {
  return withTenant(pool, scope, async (tx) => {
    await findOr404('product', productId, (id) => findProduct(tx, scope, id));
    return listVariantRows(tx, scope, productId, { ...page, limit: page.limit + 1 });
  });
}

export async function createVariant({ pool }: ServiceContext, scope: TenantScope, productId: string, input: VariantFields): Promise<VariantRow> {
  return withTenant(pool, scope, async (tx) => {
    // Locked, so concurrent additions count and position one after the other.
    await findOr404('product', productId, (id) => findProduct(tx, scope, id, { forUpdate: true }));
    const slots = await variantSlots(tx, scope, productId);
    if (slots.count >= MAX_VARIANTS) throw unprocessable(`a product has at most ${MAX_VARIANTS} variants`);
    const row = await insertVariant(tx, scope, productId, { ...input, id: newId('variant'), position: slots.next_position });
    await recordEvent(tx, scope, 'variant.created', presentVariant(row));
    return row;
  }).catch(duplicateSku);
}

export async function getVariant({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<VariantRow> {
  return withTenant(pool, scope, (tx) => findOr404('variant', id, (id) => findVariant(tx, scope, id)));
}

/** A JSON merge patch of sku, price, currency and inventory_quantity. */
export async function updateVariant({ pool }: ServiceContext, scope: TenantScope, id: string, patch: Partial<VariantFields>): Promise<VariantRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('variant', id, (id) => findVariant(tx, scope, id, { forUpdate: true }));
    const after = (await updateVariantRow(tx, scope, id, {
      sku: patched(patch.sku, before.sku), price: patched(patch.price, before.price), currency: patched(patch.currency, before.currency),
      inventory_quantity: patched(patch.inventory_quantity, before.inventory_quantity),
    }))!;
    await recordUpdate(tx, scope, 'variant.updated', presentVariant(before), presentVariant(after));
    return after;
  }).catch(duplicateSku);
}

/** A product keeps at least one variant: deleting its last one is a 409 (delete the product instead). */
export async function deleteVariant({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    const variant = await findOr404('variant', id, (id) => findVariant(tx, scope, id));
    await findProduct(tx, scope, variant.product_id, { forUpdate: true });
    if ((await variantSlots(tx, scope, variant.product_id)).count <= 1) throw conflict('this is the product\'s last variant; delete the product instead');
    await softDeleteVariant(tx, scope, id);
    await recordEvent(tx, scope, 'variant.deleted', presentVariant(variant));
  });
}

/** Adds `adjustment` (negative to take) to the stock atomically; below zero is a 409 and changes nothing. */
export async function adjustVariantInventory({ pool }: ServiceContext, scope: TenantScope, id: string, adjustment: number): Promise<VariantRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('variant', id, (id) => findVariant(tx, scope, id, { forUpdate: true }));
    const after = await adjustInventory(tx, scope, id, adjustment, MAX_INVENTORY);
    if (!after) {
      const result = before.inventory_quantity + adjustment;
      if (result < 0) throw conflict(`insufficient inventory: ${before.inventory_quantity} in stock, ${-adjustment} requested`);
      throw unprocessable(`inventory would exceed ${MAX_INVENTORY}`, [{ pointer: '/adjustment', detail: `the result must be at most ${MAX_INVENTORY}` }]);
    }
    await recordUpdate(tx, scope, 'variant.updated', presentVariant(before), presentVariant(after));
    return after;
  });
}
