// Carts and checkouts for the storefront. A shopper's browser creates a cart with no credential
// and holds it by its token (shown once; stored as a SHA-256 hash): a missing or wrong token is a
// 404, exactly like a cart that does not exist. A checkout quotes the cart (src/services/pricing.ts)
// for 24 hours; completing it turns exactly that quote into a pending order that already holds
// its stock and coupon redemption (src/services/orders.ts), all in one transaction with its
// events: checkout.completed, then order.created. Secret keys read carts and checkouts.
import { createHash, randomBytes } from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import {
  completeCart, deleteCartItem, findCart, insertCart, insertCartItem, listCarts as listCartRows, touchCart, updateCartItem, type CartRow,
} from '../db/carts.ts';
import {
  completeCheckout as completeCheckoutRow, findCheckout, insertCheckout, listCheckouts as listCheckoutRows, type CheckoutRow,
} from '../db/checkouts.ts';
import { findCustomerIdByEmail } from '../db/customers.ts';
import type { OrderRow, ShippingAddress } from '../db/orders.ts';
import type { Tx } from '../db/pool.ts';
import { findSellableVariants } from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { conflict, notFound, unprocessable } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { presentCart, presentCheckout } from '../presenters/carts.ts';
import { presentOrder } from '../presenters/orders.ts';
import type { TenantScope } from '../scope.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { placeCheckoutOrder } from './orders.ts';
import { quote, type Line } from './pricing.ts';
import { findOr404 } from './resources.ts';

export const MAX_CART_LINES = 50;
export const MAX_LINE_QUANTITY = 999;
export const CHECKOUT_LIFETIME_MS = 24 * 3_600_000;

export interface NewCheckout {
  email: string;
  shipping_address: Omit<ShippingAddress, 'line2' | 'state' | 'postal_code' | 'phone'> & Partial<ShippingAddress>;
  coupon_code?: string | null;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const invalid = (pointer: string, detail: string) => unprocessable(detail, [{ pointer, detail }]);

/** The cart, if `token` is its token; otherwise the same 404 as a cart that does not exist. */
async function heldCart(tx: Tx, scope: TenantScope, id: string, token: string | undefined, options: { forUpdate?: boolean } = {}): Promise<CartRow> {
  return findOr404('cart', id, async (id) => (token ? findCart(tx, scope, id, { tokenHash: hashToken(token), ...options }) : undefined));
}

/** The cart, locked and still open to changes (a checked-out cart is a 409). */
async function openCart(tx: Tx, scope: TenantScope, id: string, token: string | undefined): Promise<CartRow> {
  const cart = await heldCart(tx, scope, id, token, { forUpdate: true });
  if (cart.completed_at) throw conflict('this cart was checked out; start a new cart');
  return cart;
}

function checkQuantity(quantity: number): void {
  if (quantity < 1 || quantity > MAX_LINE_QUANTITY) throw invalid('/quantity', `must be from 1 to ${MAX_LINE_QUANTITY}`);
}

/** A new cart and its token (shown once), optionally with items; records cart.created. */
export async function createCart({ pool }: ServiceContext, scope: TenantScope, input: { items?: Line[] }): Promise<{ cart: CartRow; token: string }> {
  const token = `ct_${randomBytes(24).toString('base64url')}`;
  return withTenant(pool, scope, async (tx) => {
    const id = newId('cart');
    await insertCart(tx, scope, id, hashToken(token));
    let cart = (await findCart(tx, scope, id))!;
    for (const [i, line] of (input.items ?? []).entries()) {
      cart = await addLine(tx, scope, cart, line, `/items/${i}`);
    }
    await recordEvent(tx, scope, 'cart.created', presentCart(cart));
    return { cart, token };
  });
}

/**
 * Adds a line, or adds to the line of the same variant: the tenant's own sellable variant (else
 * 422), in the cart's currency, at most MAX_CART_LINES lines of at most MAX_LINE_QUANTITY each.
 */
async function addLine(tx: Tx, scope: TenantScope, cart: CartRow, line: Line, at = ''): Promise<CartRow> {
  if (line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) throw invalid(`${at}/quantity`, `must be from 1 to ${MAX_LINE_QUANTITY}`);
  const [variant] = isId('variant', line.variant_id) ? await findSellableVariants(tx, scope, [line.variant_id]) : [];
  if (!variant) throw invalid(`${at}/variant_id`, 'no such variant');
  if (!variant.product_active) throw invalid(`${at}/variant_id`, 'the variant\'s product is not active');
  if (cart.currency && variant.currency !== cart.currency) {
    throw invalid(`${at}/variant_id`, `the variant is priced in ${variant.currency}, the cart in ${cart.currency}: one currency per cart`);
  }
  const existing = cart.items.find((i) => i.variant_id === variant.id);
  if (existing) {
    const quantity = existing.quantity + line.quantity;
    if (quantity > MAX_LINE_QUANTITY) throw invalid(`${at}/quantity`, `the cart would hold ${quantity}; at most ${MAX_LINE_QUANTITY} per line`);
    await updateCartItem(tx, scope, cart.id, existing.id, quantity);
  } else {
    if (cart.items.length >= MAX_CART_LINES) throw invalid(`${at}/variant_id`, `a cart holds at most ${MAX_CART_LINES} lines`);
    await insertCartItem(tx, scope, cart.id, { id: newId('cartItem'), variant_id: variant.id, quantity: line.quantity });
  }
  await touchCart(tx, scope, cart.id, variant.currency);
  return (await findCart(tx, scope, cart.id))!;
}

/** Runs `change` on the open cart, then records cart.updated (before → after). */
async function changingCart(
  { pool }: ServiceContext, scope: TenantScope, id: string, token: string | undefined, change: (tx: Tx, cart: CartRow) => Promise<void>,
): Promise<CartRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await openCart(tx, scope, id, token);
    await change(tx, before);
    const after = (await findCart(tx, scope, id))!;
    await recordUpdate(tx, scope, 'cart.updated', presentCart(before), presentCart(after));
    return after;
  });
}

export async function getHeldCart({ pool }: ServiceContext, scope: TenantScope, id: string, token: string | undefined): Promise<CartRow> {
  return withTenant(pool, scope, (tx) => heldCart(tx, scope, id, token));
}

export const addCartItem = (services: ServiceContext, scope: TenantScope, id: string, token: string | undefined, line: Line) =>
  changingCart(services, scope, id, token, async (tx, cart) => void (await addLine(tx, scope, cart, line)));

export const setCartItemQuantity = (services: ServiceContext, scope: TenantScope, id: string, token: string | undefined, itemId: string, quantity: number) =>
  changingCart(services, scope, id, token, async (tx, cart) => {
    checkQuantity(quantity);
    const item = await findOr404('cartItem', itemId, async (itemId) => cart.items.find((i) => i.id === itemId));
    await updateCartItem(tx, scope, cart.id, item.id, quantity);
    await touchCart(tx, scope, cart.id, cart.currency);
  });

export const removeCartItem = (services: ServiceContext, scope: TenantScope, id: string, token: string | undefined, itemId: string) =>
  changingCart(services, scope, id, token, async (tx, cart) => {
    const item = await findOr404('cartItem', itemId, async (itemId) => cart.items.find((i) => i.id === itemId));
    await deleteCartItem(tx, scope, cart.id, item.id);
    // An emptied cart takes any currency again.
    await touchCart(tx, scope, cart.id, cart.items.length > 1 ? cart.currency : null);
  });

/** Quotes the cart for 24 hours: its lines at today's prices, the best automatic discount, the coupon. */
export async function createCheckout({ pool, clock }: ServiceContext, scope: TenantScope, cartId: string, token: string | undefined, input: NewCheckout): Promise<CheckoutRow> {
  return withTenant(pool, scope, async (tx) => {
    const cart = await openCart(tx, scope, cartId, token);
    if (cart.items.length === 0) throw unprocessable('the cart is empty: add items before checking out');
    const now = clock.now();
    const q = await quote(tx, scope, now, cart.items, input.coupon_code, { line: (i) => `/items/${i}/variant_id`, coupon: '/coupon_code' });
    const a = input.shipping_address;
    const checkout = await insertCheckout(tx, scope, newId('checkout'), {
      cart_id: cart.id, email: input.email,
      shipping_address: { name: a.name, line1: a.line1, line2: a.line2 ?? null, city: a.city, state: a.state ?? null, postal_code: a.postal_code ?? null, country: a.country, phone: a.phone ?? null },
      coupon_id: q.coupon?.id ?? null, coupon_code: q.coupon?.code ?? null, currency: q.currency, subtotal: q.subtotal, discount: q.discount,
      total: q.total, discounts: q.discounts, expires_at: new Date(now.getTime() + CHECKOUT_LIFETIME_MS),
      line_items: q.items.map((i) => ({ variant_id: i.variant_id, product_id: i.product_id, sku: i.sku, name: i.name, unit_price: i.unit_price, quantity: i.quantity, amount: i.unit_price * i.quantity })),
    });
    await recordEvent(tx, scope, 'checkout.created', presentCheckout(checkout));
    return checkout;
  });
}

/**
 * Completes an open checkout into a pending order holding its stock and coupon: 409 when it is
 * completed or expired, its cart was checked out, a line is no longer sold, stock is short, or the
 * coupon ran out; any of them leaves nothing changed.
 */
export async function completeCheckout({ pool, clock, config }: ServiceContext, scope: TenantScope, id: string, token: string | undefined): Promise<{ checkout: CheckoutRow; order: OrderRow }> {
  return withTenant(pool, scope, async (tx) => {
    const checkout = await findOr404('checkout', id, (id) => findCheckout(tx, scope, id, { forUpdate: true }));
    const cart = await findCart(tx, scope, checkout.cart_id, { tokenHash: token ? hashToken(token) : '', forUpdate: true });
    if (!cart) throw notFound('no such checkout');
    if (checkout.status !== 'open') throw conflict(`this checkout is ${checkout.status}`);
    const now = clock.now();
    if (now >= checkout.expires_at) throw conflict('this checkout has expired; check out again');
    if (cart.completed_at) throw conflict('this cart was already checked out');
    const sellable = new Set((await findSellableVariants(tx, scope, checkout.line_items.map((l) => l.variant_id))).filter((v) => v.product_active).map((v) => v.id));
    if (checkout.line_items.some((l) => !sellable.has(l.variant_id))) throw conflict('an item of this checkout is no longer sold');
    const customerId = (await findCustomerIdByEmail(tx, scope, checkout.email)) ?? null;
    const order = await placeCheckoutOrder(tx, scope, checkout, customerId, new Date(now.getTime() + config.unpaidOrderTtlMs));
    const completed = (await completeCheckoutRow(tx, scope, id, order.id))!;
    await completeCart(tx, scope, cart.id);
    await recordEvent(tx, scope, 'checkout.completed', presentCheckout(completed));
    await recordEvent(tx, scope, 'order.created', presentOrder(order));
    return { checkout: completed, order };
  });
}

/** Newest first; returns up to limit + 1 rows. */
export async function listCarts({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CartRow[]> {
  return withTenant(pool, scope, (tx) => listCartRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

export async function getCart({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<CartRow> {
  return withTenant(pool, scope, (tx) => findOr404('cart', id, (id) => findCart(tx, scope, id)));
}

/** Newest first; returns up to limit + 1 rows. */
export async function listCheckouts({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CheckoutRow[]> {
  return withTenant(pool, scope, (tx) => listCheckoutRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

export async function getCheckout({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<CheckoutRow> {
  return withTenant(pool, scope, (tx) => findOr404('checkout', id, (id) => findCheckout(tx, scope, id)));
}
