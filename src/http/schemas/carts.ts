// Inputs of the storefront's carts and checkout. Quantities and the number of lines are checked by
// the service (1–999 and at most 50 lines; beyond either is a 422, as DESIGN §4 says); here only
// their type.
import { z } from 'zod';
import { ResourceId } from './commerce.ts';
import { NewAddress } from './customers.ts';

export const CartLine = z.strictObject({
  variant_id: ResourceId.describe('A variant of one of the shop\'s active products'),
  quantity: z.number().int().describe('1 to 999; adding a variant already in the cart adds to its line'),
}).meta({ id: 'CartLine' });

export const NewCart = z.strictObject({
  items: z.array(CartLine).max(100).optional().describe('Lines to start with (a cart holds at most 50 lines)'),
}).meta({ id: 'NewCart' });

export const CartItemPatch = z.strictObject({ quantity: z.number().int().describe('1 to 999') }).meta({ id: 'CartItemPatch' });

export const NewCheckout = z.strictObject({
  email: z.email().max(320),
  shipping_address: NewAddress.extend({
    name: z.string().trim().min(1).max(200).describe('Who receives the parcel'),
    phone: z.string().trim().regex(/^\+?[0-9 ()./-]{3,30}$/, 'a phone number').nullable().optional(),
  }),
  coupon_code: z.string().min(1).max(100).nullable().optional(),
}).meta({ id: 'NewCheckout' });
