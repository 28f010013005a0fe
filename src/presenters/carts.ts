import { z } from 'zod';
import type { CartRow } from '../db/carts.ts';
import type { CheckoutRow } from '../db/checkouts.ts';
import type { OrderRow } from '../db/orders.ts';
import { iso } from './fields.ts';
import { AppliedDiscount, presentDiscounts, presentShippingAddress, ShippingAddress } from './orders.ts';

export const CartItem = z.object({
  id: z.string(),
  object: z.literal('cart_item'),
  variant_id: z.string(),
  product_id: z.string(),
  sku: z.string(),
  name: z.string().describe('The product\'s name'),
  unit_price: z.number().int().describe('The variant\'s price now'),
  quantity: z.number().int(),
  amount: z.number().int(),
  available: z.boolean().describe('false once the variant or its product is deleted or the product inactive: checkout refuses the cart then'),
}).meta({ id: 'CartItem', description: 'A line of a cart, priced at the variant\'s price now' });

export const Cart = z.object({
  id: z.string(),
  object: z.literal('cart'),
  status: z.enum(['open', 'completed']).describe('completed once one of its checkouts completed; it takes no more changes'),
  currency: z.string().nullable().describe('Its first item\'s; every item is in this currency'),
  items: z.array(CartItem),
  subtotal: z.number().int().describe('At the variants\' prices now'),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Cart', description: 'A storefront cart' });

export const NewCartAnswer = Cart.extend({ token: z.string().describe('Send as the cart-token header on every request for this cart; shown once') }).meta({ id: 'CartWithToken', description: 'A new cart with its token (send it as the cart-token header; shown once)' });

export const QuotedLine = z.object({
  variant_id: z.string(),
  product_id: z.string(),
  sku: z.string(),
  name: z.string(),
  unit_price: z.number().int(),
  quantity: z.number().int(),
  amount: z.number().int(),
}).meta({ id: 'QuotedLine' });

export const Checkout = z.object({
  id: z.string(),
  object: z.literal('checkout'),
  cart_id: z.string(),
  status: z.enum(['open', 'completed', 'expired']),
  email: z.string(),
  shipping_address: ShippingAddress,
  currency: z.string(),
  line_items: z.array(QuotedLine).describe('As quoted when the checkout was made; the order is made of exactly these'),
  subtotal: z.number().int(),
  discount: z.number().int(),
  discounts: z.array(AppliedDiscount),
  coupon_code: z.string().nullable(),
  total: z.number().int(),
  expires_at: z.string().describe('24 hours after creation; an open checkout past it cannot be completed'),
  completed_at: z.string().nullable(),
  expired_at: z.string().nullable(),
  order_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Checkout', description: 'A cart checked out: its totals quoted for 24 hours' });

/** Completing a checkout answers it with a summary of the order it became. */
export const CompletedCheckout = Checkout.extend({
  order: z.object({ id: z.string(), number: z.number().int(), name: z.string(), status: z.string(), currency: z.string(), total: z.number().int() }),
}).meta({ id: 'CompletedCheckout', description: 'A completed checkout with a summary of the order it became' });

export function presentCart(row: CartRow): z.infer<typeof Cart> {
  const items = row.items.map((i) => ({
    id: i.id, object: 'cart_item' as const, variant_id: i.variant_id, product_id: i.product_id, sku: i.sku, name: i.name,
    unit_price: Number(i.unit_price), quantity: i.quantity, amount: Number(i.unit_price) * i.quantity, available: i.available,
  }));
  return {
    id: row.id, object: 'cart', status: row.completed_at ? 'completed' : 'open', currency: row.currency, items,
    subtotal: items.reduce((sum, i) => sum + i.amount, 0), created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

export function presentCheckout(row: CheckoutRow): z.infer<typeof Checkout> {
  return {
    id: row.id, object: 'checkout', cart_id: row.cart_id, status: row.status, email: row.email, shipping_address: presentShippingAddress(row.shipping_address),
    currency: row.currency,
    line_items: row.line_items.map((l) => ({
      variant_id: l.variant_id, product_id: l.product_id, sku: l.sku, name: l.name, unit_price: Number(l.unit_price), quantity: l.quantity, amount: Number(l.amount),
    })), subtotal: Number(row.subtotal), discount: Number(row.discount),
    discounts: presentDiscounts(row.discounts), coupon_code: row.coupon_code, total: Number(row.total), expires_at: row.expires_at.toISOString(),
    completed_at: iso(row.completed_at), expired_at: iso(row.expired_at), order_id: row.order_id,
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

export const presentCompletedCheckout = (checkout: CheckoutRow, order: OrderRow): z.infer<typeof CompletedCheckout> => ({
  ...presentCheckout(checkout),
  order: { id: order.id, number: Number(order.number), name: order.name, status: order.status, currency: order.currency, total: Number(order.total) },
});
