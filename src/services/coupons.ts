// Coupons: a percent or a fixed amount off, an optional validity window and redemption limit.
// A coupon is redeemed when an order using it is paid (src/services/orders.ts). Deleting is soft:
// the code is freed, and orders that already carry the coupon keep their discount.
import type { ServiceContext } from '../context.ts';
import {
  findCoupon, insertCoupon, listCoupons as listCouponRows, softDeleteCoupon, updateCouponTerms, type CouponRow,
} from '../db/coupons.ts';
import { withTenant } from '../db/tenant.ts';
import { type TenantScope } from '../scope.ts';
import { unprocessable } from '../errors.ts';
import { presentCoupon } from '../presenters/coupons.ts';
import { newId } from '../ids.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { duplicateAs, findOr404, mergeMetadata, patched, type Metadata, type MetadataPatch } from './resources.ts';

interface Terms {
  valid_from?: string | null;
  valid_until?: string | null;
  max_redemptions?: number | null;
}

export interface NewCoupon extends Terms {
  code: string;
  percent_off?: number;
  amount_off?: number;
  currency?: string;
  metadata?: Metadata;
}

export interface CouponPatch extends Terms {
  metadata?: MetadataPatch;
}

const duplicateCode = duplicateAs({ coupons_code: 'a coupon with this code already exists' });
const date = (text: string | null | undefined) => (text ? new Date(text) : null);

export async function createCoupon({ pool }: ServiceContext, scope: TenantScope, input: NewCoupon): Promise<CouponRow> {
  return withTenant(pool, scope, async (tx) => {
    const row = await insertCoupon(tx, scope, newId('coupon'), {
      code: input.code, percent_off: input.percent_off ?? null, amount_off: input.amount_off ?? null, currency: input.currency ?? null,
      valid_from: date(input.valid_from), valid_until: date(input.valid_until), max_redemptions: input.max_redemptions ?? null,
      metadata: input.metadata ?? {},
    });
    await recordEvent(tx, scope, 'coupon.created', presentCoupon(row));
    return row;
  }).catch(duplicateCode);
}

/** Newest first; returns up to limit + 1 rows. */
export async function listCoupons({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CouponRow[]> {
  return withTenant(pool, scope, (tx) => listCouponRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

export async function getCoupon({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<CouponRow> {
  return withTenant(pool, scope, (tx) => findOr404('coupon', id, (id) => findCoupon(tx, scope, id)));
}

/** A JSON merge patch of the coupon's terms (validity window, redemption limit, metadata). */
export async function updateCoupon({ pool }: ServiceContext, scope: TenantScope, id: string, patch: CouponPatch): Promise<CouponRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('coupon', id, (id) => findCoupon(tx, scope, id, { forUpdate: true }));
    const terms = {
      valid_from: patch.valid_from === undefined ? before.valid_from : date(patch.valid_from),
      valid_until: patch.valid_until === undefined ? before.valid_until : date(patch.valid_until),
      max_redemptions: patched(patch.max_redemptions, before.max_redemptions),
      metadata: mergeMetadata(before.metadata, patch.metadata),
    };
    if (terms.valid_from && terms.valid_until && terms.valid_until <= terms.valid_from) {
      throw unprocessable('valid_until must be after valid_from', [{ pointer: '/valid_until', detail: 'must be after valid_from' }]);
    }
    if (terms.max_redemptions !== null && terms.max_redemptions < before.times_redeemed) {
      throw unprocessable(`the coupon was already redeemed ${before.times_redeemed} times`,
        [{ pointer: '/max_redemptions', detail: `must be at least times_redeemed (${before.times_redeemed})` }]);
    }
    const after = (await updateCouponTerms(tx, scope, id, terms))!;
    await recordUpdate(tx, scope, 'coupon.updated', presentCoupon(before), presentCoupon(after));
    return after;
  });
}

export async function deleteCoupon({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    const coupon = await findOr404('coupon', id, (id) => findCoupon(tx, scope, id, { forUpdate: true }));
    await softDeleteCoupon(tx, scope, id);
    await recordEvent(tx, scope, 'coupon.deleted', presentCoupon(coupon));
  });
}

/** Why a coupon cannot be applied to a new order now, or undefined when it can. */
export function couponProblem(coupon: CouponRow, currency: string, now: Date): string | undefined {
  if (coupon.valid_from && now < coupon.valid_from) return 'the coupon is not valid yet';
  if (coupon.valid_until && now >= coupon.valid_until) return 'the coupon has expired';
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) return 'the coupon has reached its redemption limit';
  if (coupon.currency !== null && coupon.currency !== currency) return `the coupon is in ${coupon.currency}, the order in ${currency}`;
  return undefined;
}

/** The discount in minor units (of a coupon or an automatic discount): a percentage rounds half up; a fixed amount never exceeds the subtotal. */
export function discountFor(terms: { percent_off: number | null; amount_off: number | null }, subtotal: number): number {
  // In bigint: subtotal × percent may pass 2^53 for the largest orders.
  if (terms.percent_off !== null) return Number((BigInt(subtotal) * BigInt(terms.percent_off) + 50n) / 100n);
  return Math.min(Number(terms.amount_off), subtotal);
}
