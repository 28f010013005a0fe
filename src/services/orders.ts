// Orders: line items priced by the server from the tenant's own variants, one currency per order,
// an optional customer and coupon. Lifecycle pending → paid → fulfilled, pending|paid → cancelled.
// Paying takes the stock and redeems the coupon in one transaction: any shortfall rolls it all back.
import { findCouponByCode, redeemCoupon, type CouponRow } from '../db/coupons.ts';
import { customerExists } from '../db/customers.ts';
import type { ServiceContext } from '../context.ts';
import type { Tx } from '../db/pool.ts';
import {
  findOrder, insertOrder, listOrders as listOrderRows, transitionOrder, updateOrderMetadata, type NewLineItem, type OrderRow, type OrderStatus,
} from '../db/orders.ts';
import { findSellableVariants, moveInventory, type SellableVariant } from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { type TenantScope } from '../scope.ts';
import { conflict, unprocessable, type FieldError } from '../errors.ts';
import { presentOrder } from '../presenters/orders.ts';
import { isId, newId } from '../ids.ts';
import { couponProblem, discountFor } from './coupons.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { findOr404, mergeMetadata, type Metadata, type MetadataPatch } from './resources.ts';

export interface NewOrder {
  customer_id?: string | null;
  coupon_code?: string | null;
  line_items: { variant_id: string; quantity: number }[];
  metadata?: Metadata;
}

const invalid = (pointer: string, detail: string) => unprocessable(detail, [{ pointer, detail }]);

export async function createOrder({ pool }: ServiceContext, scope: TenantScope, input: NewOrder): Promise<OrderRow> {
  return withTenant(pool, scope, async (tx) => {
    const items = await priceLineItems(tx, scope, input.line_items);
    const currency = items[0].currency;
    if (input.customer_id && !(isId('customer', input.customer_id) && (await customerExists(tx, scope, input.customer_id)))) {
      throw invalid('/customer_id', 'no such customer');
    }
    const subtotal = items.reduce((sum, item) => sum + item.unit_price * item.quantity, 0);
    const coupon = input.coupon_code ? await applicableCoupon(tx, scope, input.coupon_code, currency) : undefined;
    const discount = coupon ? discountFor(coupon, subtotal) : 0;
    const row = await insertOrder(tx, scope, {
      id: newId('order'), customer_id: input.customer_id ?? null, coupon_id: coupon?.id ?? null, coupon_code: coupon?.code ?? null,
      currency, subtotal, discount, total: subtotal - discount, metadata: input.metadata ?? {},
    }, items);
    await recordEvent(tx, scope, 'order.created', presentOrder(row));
    return row;
  });
}

/** Snapshots each line item from the tenant's own, sellable variant; all in one currency. */
async function priceLineItems(tx: Tx, scope: TenantScope, lines: NewOrder['line_items']): Promise<(NewLineItem & { currency: string })[]> {
  const ids = lines.map((l) => l.variant_id).filter((id) => isId('variant', id));
  const variants = new Map<string, SellableVariant>((await findSellableVariants(tx, scope, ids)).map((v) => [v.id, v]));
  const errors: FieldError[] = [];
  // The order's currency is its first orderable line's; the other lines must match it.
  const currency = lines.map((l) => variants.get(l.variant_id)).find((v) => v?.product_active)?.currency;
  const items = lines.map((line, i) => {
    const v = variants.get(line.variant_id);
    const pointer = `/line_items/${i}/variant_id`;
    if (!v) errors.push({ pointer, detail: 'no such variant' });
    else if (!v.product_active) errors.push({ pointer, detail: 'the variant\'s product is not active' });
    else if (v.currency !== currency) errors.push({ pointer, detail: `the variant is priced in ${v.currency}, the order in ${currency}: one currency per order` });
    return v && {
      id: newId('lineItem'), position: i, variant_id: v.id, product_id: v.product_id, sku: v.sku, name: v.product_name,
      unit_price: Number(v.price), quantity: line.quantity, currency: v.currency,
    };
  });
  if (errors.length) throw unprocessable(errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), errors);
  return items as (NewLineItem & { currency: string })[];
}

async function applicableCoupon(tx: Tx, scope: TenantScope, code: string, currency: string): Promise<CouponRow> {
  const coupon = await findCouponByCode(tx, scope, code);
  if (!coupon) throw invalid('/coupon_code', 'no such coupon');
  const problem = couponProblem(coupon, currency);
  if (problem) throw invalid('/coupon_code', problem);
  return coupon;
}

/** Newest first; returns up to limit + 1 rows. */
export async function listOrders(
  { pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string; status?: OrderStatus; customerId?: string },
): Promise<OrderRow[]> {
  return withTenant(pool, scope, (tx) => listOrderRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

export async function getOrder({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<OrderRow> {
  return withTenant(pool, scope, (tx) => findOr404('order', id, (id) => findOrder(tx, scope, id)));
}

/** Only metadata may change on an order (a JSON merge patch). */
export async function updateOrder({ pool }: ServiceContext, scope: TenantScope, id: string, patch: { metadata?: MetadataPatch }): Promise<OrderRow> {
  return withTenant(pool, scope, async (tx) => {
    // Locked: a concurrent PATCH or move must not slip between this read and the update.
    const before = await findOr404('order', id, (id) => findOrder(tx, scope, id, { forUpdate: true }));
    const after = (await updateOrderMetadata(tx, scope, id, mergeMetadata(before.metadata, patch.metadata)))!;
    await recordUpdate(tx, scope, 'order.updated', presentOrder(before), presentOrder(after));
    return after;
  });
}

type Action = 'pay' | 'fulfill' | 'cancel';
const MOVES = {
  pay: { from: ['pending'], to: 'paid' },
  fulfill: { from: ['paid'], to: 'fulfilled' },
  cancel: { from: ['pending', 'paid'], to: 'cancelled' },
} as const satisfies Record<Action, { from: OrderStatus[]; to: OrderStatus }>;

/** pay, fulfill or cancel: an illegal move is a 409, and a 409 leaves nothing changed. */
export async function moveOrder({ pool }: ServiceContext, scope: TenantScope, id: string, action: Action): Promise<OrderRow> {
  const move = MOVES[action];
  return withTenant(pool, scope, async (tx) => {
    const current = await findOr404('order', id, (id) => findOrder(tx, scope, id, { forUpdate: true }));
    const order = await transitionOrder(tx, scope, id, [...move.from], move.to);
    if (!order) throw conflict(`cannot ${action} an order that is ${current.status}`);
    if (action === 'pay') await takeStockAndCoupon(tx, scope, order);
    if (action === 'cancel' && order.paid_at) await returnStockAndCoupon(tx, scope, order);
    await recordEvent(tx, scope, `order.${move.to}`, presentOrder(order));
    return order;
  });
}

async function takeStockAndCoupon(tx: Tx, scope: TenantScope, order: OrderRow): Promise<void> {
  const { moved, wanted } = await moveInventory(tx, scope, order.id, -1);
  if (moved < wanted) throw conflict('insufficient inventory for this order (or a variant was deleted)');
  if (order.coupon_id && !(await redeemCoupon(tx, scope, order.coupon_id, 1))) throw conflict('the coupon has reached its redemption limit');
}

/** A cancelled paid order was never shipped: its stock and its coupon redemption come back. */
async function returnStockAndCoupon(tx: Tx, scope: TenantScope, order: OrderRow): Promise<void> {
  await moveInventory(tx, scope, order.id, 1);
  if (order.coupon_id) await redeemCoupon(tx, scope, order.coupon_id, -1);
}
