// Orders: priced by the server (src/services/pricing.ts), one currency per order, an optional
// customer and coupon. Lifecycle pending → paid → fulfilled, pending|paid → cancelled.
// An order holds its stock and its coupon redemption (`reserved`) from paying, or, for an order
// completed from a storefront checkout, from its creation; cancelling gives both back. Taking
// them is all or nothing: any shortfall rolls the whole step back.
import { redeemCoupon } from '../db/coupons.ts';
import { customerExists } from '../db/customers.ts';
import type { ServiceContext } from '../context.ts';
import type { CheckoutRow } from '../db/checkouts.ts';
import type { Tx } from '../db/pool.ts';
import {
  findOrder, insertOrder, listOrders as listOrderRows, transitionOrder, updateOrderMetadata, type OrderRow, type OrderStatus,
} from '../db/orders.ts';
import { moveInventory } from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { type TenantScope } from '../scope.ts';
import { conflict, unprocessable } from '../errors.ts';
import { presentOrder } from '../presenters/orders.ts';
import { isId, newId } from '../ids.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { quote } from './pricing.ts';
import { findOr404, mergeMetadata, type Metadata, type MetadataPatch } from './resources.ts';

export interface NewOrder {
  customer_id?: string | null;
  coupon_code?: string | null;
  line_items: { variant_id: string; quantity: number }[];
  metadata?: Metadata;
}

const AT_BODY = { line: (i: number) => `/line_items/${i}/variant_id`, coupon: '/coupon_code' };

export async function createOrder({ pool, clock }: ServiceContext, scope: TenantScope, input: NewOrder): Promise<OrderRow> {
  return withTenant(pool, scope, async (tx) => {
    const q = await quote(tx, scope, clock.now(), input.line_items, input.coupon_code, AT_BODY);
    if (input.customer_id && !(isId('customer', input.customer_id) && (await customerExists(tx, scope, input.customer_id)))) {
      throw unprocessable('no such customer', [{ pointer: '/customer_id', detail: 'no such customer' }]);
    }
    const row = await insertOrder(tx, scope, {
      id: newId('order'), customer_id: input.customer_id ?? null, coupon_id: q.coupon?.id ?? null, coupon_code: q.coupon?.code ?? null,
      currency: q.currency, subtotal: q.subtotal, discount: q.discount, discounts: q.discounts, total: q.total, metadata: input.metadata ?? {},
      email: null, shipping_address: null, checkout_id: null, source: 'api', payment_due_at: null,
    }, q.items);
    await recordEvent(tx, scope, 'order.created', presentOrder(row));
    return row;
  });
}

/**
 * The order a checkout completes into, inside the completion's transaction: exactly the
 * checkout's quote, holding its stock and coupon redemption from the start (409 when short).
 * The caller records order.created after checkout.completed.
 */
export async function placeCheckoutOrder(
  tx: Tx, scope: TenantScope, checkout: CheckoutRow, customerId: string | null, paymentDueAt: Date,
): Promise<OrderRow> {
  const order = await insertOrder(tx, scope, {
    id: newId('order'), customer_id: customerId, coupon_id: checkout.coupon_id, coupon_code: checkout.coupon_code, currency: checkout.currency,
    subtotal: checkout.subtotal, discount: checkout.discount, discounts: checkout.discounts, total: checkout.total, metadata: {},
    email: checkout.email, shipping_address: checkout.shipping_address, checkout_id: checkout.id, source: 'storefront', payment_due_at: paymentDueAt,
  }, checkout.line_items.map((l, position) => ({ ...l, id: newId('lineItem'), position })));
  await takeStockAndCoupon(tx, scope, order);
  return order;
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
    // Paying takes the stock and coupon unless the order holds them already; cancelling returns them.
    const reserved = action === 'cancel' ? false : action === 'pay' ? true : current.reserved;
    const order = await transitionOrder(tx, scope, id, { from: [...move.from], to: move.to, reserved });
    if (!order) throw conflict(`cannot ${action} an order that is ${current.status}`);
    if (reserved && !current.reserved) await takeStockAndCoupon(tx, scope, order);
    if (!reserved && current.reserved) await returnStockAndCoupon(tx, scope, order);
    await recordEvent(tx, scope, `order.${move.to}`, presentOrder(order));
    return order;
  });
}

/**
 * The worker's cancellation of a storefront order whose payment was due by `now`: returns its
 * stock and coupon and records order.cancelled. False when the order no longer qualifies (paid
 * or cancelled meanwhile).
 */
export async function cancelUnpaidOrder({ pool }: ServiceContext, scope: TenantScope, id: string, now: Date): Promise<boolean> {
  return withTenant(pool, scope, async (tx) => {
    const current = await findOrder(tx, scope, id, { forUpdate: true });
    if (!current || current.source !== 'storefront') return false;
    const order = await transitionOrder(tx, scope, id, { from: ['pending'], to: 'cancelled', reserved: false, dueBy: now });
    if (!order) return false;
    if (current.reserved) await returnStockAndCoupon(tx, scope, order);
    await recordEvent(tx, scope, 'order.cancelled', presentOrder(order));
    return true;
  });
}

async function takeStockAndCoupon(tx: Tx, scope: TenantScope, order: OrderRow): Promise<void> {
  const { moved, wanted } = await moveInventory(tx, scope, order.id, -1);
  if (moved < wanted) throw conflict('insufficient inventory for this order (or a variant was deleted)');
  if (order.coupon_id && !(await redeemCoupon(tx, scope, order.coupon_id, 1))) throw conflict('the coupon has reached its redemption limit');
}

/** A cancelled order was never shipped: its stock and its coupon redemption come back. */
async function returnStockAndCoupon(tx: Tx, scope: TenantScope, order: OrderRow): Promise<void> {
  await moveInventory(tx, scope, order.id, 1);
  if (order.coupon_id) await redeemCoupon(tx, scope, order.coupon_id, -1);
}
