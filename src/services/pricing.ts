// Pricing an order or a checkout, server-side: each line from the tenant's own sellable variant
// (one currency: the first orderable line's), then the best applicable automatic discount, then
// the coupon on what remains. The same quote prices POST /v1/orders and a storefront checkout,
// and a checkout's quote becomes its order unchanged, so the two agree to the minor unit.
import { findCouponByCode, type CouponRow } from '../db/coupons.ts';
import { liveDiscounts, type DiscountRow } from '../db/discounts.ts';
import type { AppliedDiscount, NewLineItem } from '../db/orders.ts';
import type { Tx } from '../db/pool.ts';
import { findSellableVariants, type SellableVariant } from '../db/products.ts';
import { unprocessable, type FieldError } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import type { TenantScope } from '../scope.ts';
import { couponProblem, discountFor } from './coupons.ts';

export interface Line {
  variant_id: string;
  quantity: number;
}

export type PricedLine = NewLineItem & { currency: string };

export interface Quote {
  currency: string;
  items: PricedLine[];
  subtotal: number;
  coupon: CouponRow | undefined;
  /** The automatic discount first (if one applies), then the coupon (if one was given). */
  discounts: AppliedDiscount[];
  discount: number;
  total: number;
}

/** Where the quote's inputs sit in the request body, for 422s that name them. */
export interface Pointers {
  line(index: number): string;
  coupon: string;
}

export async function quote(tx: Tx, scope: TenantScope, now: Date, lines: Line[], couponCode: string | null | undefined, at: Pointers): Promise<Quote> {
  const items = await priceLines(tx, scope, lines, at);
  const currency = items[0].currency;
  const subtotal = items.reduce((sum, item) => sum + item.unit_price * item.quantity, 0);
  const coupon = couponCode ? await applicableCoupon(tx, scope, couponCode, currency, now, at.coupon) : undefined;
  const automatic = bestDiscount(await liveDiscounts(tx, scope, currency, now), items, subtotal);
  const discounts: AppliedDiscount[] = automatic ? [{ id: automatic.discount.id, amount: automatic.amount }] : [];
  if (coupon) discounts.push({ id: coupon.id, amount: discountFor(coupon, subtotal - (automatic?.amount ?? 0)) });
  const discount = discounts.reduce((sum, d) => sum + d.amount, 0);
  return { currency, items, subtotal, coupon, discounts, discount, total: subtotal - discount };
}

/** Snapshots each line from the tenant's own, sellable variant; all in one currency. */
async function priceLines(tx: Tx, scope: TenantScope, lines: Line[], at: Pointers): Promise<PricedLine[]> {
  const ids = lines.map((l) => l.variant_id).filter((id) => isId('variant', id));
  const variants = new Map<string, SellableVariant>((await findSellableVariants(tx, scope, ids)).map((v) => [v.id, v]));
  const errors: FieldError[] = [];
  // The currency is the first orderable line's; the other lines must match it.
  const currency = lines.map((l) => variants.get(l.variant_id)).find((v) => v?.product_active)?.currency;
  const items = lines.map((line, i) => {
    const v = variants.get(line.variant_id);
    const pointer = at.line(i);
    if (!v) errors.push({ pointer, detail: 'no such variant' });
    else if (!v.product_active) errors.push({ pointer, detail: 'the variant\'s product is not active' });
    else if (v.currency !== currency) errors.push({ pointer, detail: `the variant is priced in ${v.currency}, the order in ${currency}: one currency per order` });
    return v && {
      id: newId('lineItem'), position: i, variant_id: v.id, product_id: v.product_id, sku: v.sku, name: v.product_name,
      unit_price: Number(v.price), quantity: line.quantity, currency: v.currency,
    };
  });
  if (errors.length) throw unprocessable(errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), errors);
  return items as PricedLine[];
}

async function applicableCoupon(tx: Tx, scope: TenantScope, code: string, currency: string, now: Date, pointer: string): Promise<CouponRow> {
  const coupon = await findCouponByCode(tx, scope, code);
  const problem = coupon ? couponProblem(coupon, currency, now) : 'no such coupon';
  if (problem) throw unprocessable(problem, [{ pointer, detail: problem }]);
  return coupon!;
}

/**
 * Of the live discounts (active, in their window, in this currency or none), the one taking the
 * most off: a percentage (rounded half up) or a fixed amount of the lines it covers (its
 * products', or all), once the subtotal reaches its minimum. Ties go to the oldest discount.
 */
export function bestDiscount(discounts: DiscountRow[], items: Pick<PricedLine, 'product_id' | 'unit_price' | 'quantity'>[], subtotal: number) {
  let best: { discount: DiscountRow; amount: number } | undefined;
  for (const discount of discounts) {
    if (discount.min_subtotal !== null && subtotal < Number(discount.min_subtotal)) continue;
    const covered = discount.product_ids ? items.filter((i) => discount.product_ids!.includes(i.product_id)) : items;
    const amount = discountFor(discount, covered.reduce((sum, i) => sum + i.unit_price * i.quantity, 0));
    if (amount > 0 && amount > (best?.amount ?? 0)) best = { discount, amount };
  }
  return best;
}
