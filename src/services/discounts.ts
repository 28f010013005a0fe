// Automatic discounts: no code; on an order or checkout the best applicable one applies before
// the coupon (src/services/pricing.ts). The value (percent or amount, currency) is fixed once
// created, like a coupon's; the terms may change. Deleting is soft: orders list the discount ids
// they received.
import type { ServiceContext } from '../context.ts';
import {
  findDiscount, insertDiscount, listDiscounts as listDiscountRows, softDeleteDiscount, updateDiscountTerms, type DiscountRow,
} from '../db/discounts.ts';
import type { Tx } from '../db/pool.ts';
import { existingProductIds } from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { unprocessable, type FieldError } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { presentDiscount } from '../presenters/discounts.ts';
import type { TenantScope } from '../scope.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { findOr404, mergeMetadata, patched, type Metadata, type MetadataPatch } from './resources.ts';

interface Terms {
  product_ids?: string[] | null;
  min_subtotal?: number | null;
  starts_at?: string | null;
  ends_at?: string | null;
  active?: boolean;
}

export interface NewDiscount extends Terms {
  name: string;
  percent_off?: number;
  amount_off?: number;
  currency?: string;
  metadata?: Metadata;
}

export interface DiscountPatch extends Terms {
  name?: string;
  metadata?: MetadataPatch;
}

const date = (text: string | null | undefined) => (text ? new Date(text) : null);

/** Every product id must name one of the tenant's undeleted products (of this mode): else a 422 naming each. */
async function checkProducts(tx: Tx, scope: TenantScope, ids: string[] | null): Promise<string[] | null> {
  if (!ids) return null;
  const unique = [...new Set(ids)];
  const found = new Set(await existingProductIds(tx, scope, unique.filter((id) => isId('product', id))));
  const errors: FieldError[] = ids.flatMap((id, i) => (found.has(id) ? [] : [{ pointer: `/product_ids/${i}`, detail: 'no such product' }]));
  if (errors.length) throw unprocessable(errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), errors);
  return unique;
}

export async function createDiscount({ pool }: ServiceContext, scope: TenantScope, input: NewDiscount): Promise<DiscountRow> {
  return withTenant(pool, scope, async (tx) => {
    const row = await insertDiscount(tx, scope, newId('discount'), {
      name: input.name, percent_off: input.percent_off ?? null, amount_off: input.amount_off ?? null, currency: input.currency ?? null,
      product_ids: await checkProducts(tx, scope, input.product_ids ?? null), min_subtotal: input.min_subtotal ?? null,
      starts_at: date(input.starts_at), ends_at: date(input.ends_at), active: input.active ?? true, metadata: input.metadata ?? {},
    });
    await recordEvent(tx, scope, 'discount.created', presentDiscount(row));
    return row;
  });
}

/** Newest first; returns up to limit + 1 rows. */
export async function listDiscounts({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<DiscountRow[]> {
  return withTenant(pool, scope, (tx) => listDiscountRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

export async function getDiscount({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<DiscountRow> {
  return withTenant(pool, scope, (tx) => findOr404('discount', id, (id) => findDiscount(tx, scope, id)));
}

/** A JSON merge patch of the terms (name, products, minimum, window, active, metadata). */
export async function updateDiscount({ pool }: ServiceContext, scope: TenantScope, id: string, patch: DiscountPatch): Promise<DiscountRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('discount', id, (id) => findDiscount(tx, scope, id, { forUpdate: true }));
    const terms = {
      name: patched(patch.name, before.name),
      product_ids: patch.product_ids === undefined ? before.product_ids : await checkProducts(tx, scope, patch.product_ids),
      min_subtotal: patched(patch.min_subtotal, before.min_subtotal),
      starts_at: patch.starts_at === undefined ? before.starts_at : date(patch.starts_at),
      ends_at: patch.ends_at === undefined ? before.ends_at : date(patch.ends_at),
      active: patched(patch.active, before.active),
      metadata: mergeMetadata(before.metadata, patch.metadata),
    };
    if (terms.starts_at && terms.ends_at && terms.ends_at <= terms.starts_at) {
      throw unprocessable('ends_at must be after starts_at', [{ pointer: '/ends_at', detail: 'must be after starts_at' }]);
    }
    if (terms.min_subtotal !== null && before.currency === null) {
      throw unprocessable('a minimum subtotal needs the discount\'s currency', [{ pointer: '/min_subtotal', detail: 'the discount has no currency to count it in' }]);
    }
    const after = (await updateDiscountTerms(tx, scope, id, terms))!;
    await recordUpdate(tx, scope, 'discount.updated', presentDiscount(before), presentDiscount(after));
    return after;
  });
}

export async function deleteDiscount({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    const discount = await findOr404('discount', id, (id) => findDiscount(tx, scope, id, { forUpdate: true }));
    await softDeleteDiscount(tx, scope, id);
    await recordEvent(tx, scope, 'discount.deleted', presentDiscount(discount));
  });
}
