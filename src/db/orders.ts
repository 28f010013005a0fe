// orders and their line items: tenant-scoped; every function runs inside withTenant and names its
// tenant and mode itself too.
// An order is always read with its line items in the same statement.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';
import { columns } from './unnest.ts';
import type { AddressFields } from './customers.ts';

export type OrderStatus = 'pending' | 'paid' | 'fulfilled' | 'cancelled';

export interface LineItemRow {
  id: string;
  variant_id: string;
  product_id: string;
  sku: string;
  name: string;
  unit_price: number;
  quantity: number;
  amount: number;
}

/** One discount an order or checkout received: an automatic discount (dsc_) or its coupon (cpn_). */
export interface AppliedDiscount {
  id: string;
  amount: number;
}

/** An address with who receives the parcel there. */
export interface ShippingAddress extends AddressFields {
  name: string;
  phone: string | null;
}

export interface OrderRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  /** Sequential per tenant and mode; `name` is it with the settings' prefix at the time. */
  number: number;
  name: string;
  status: OrderStatus;
  source: 'api' | 'storefront';
  checkout_id: string | null;
  email: string | null;
  shipping_address: ShippingAddress | null;
  discounts: AppliedDiscount[];
  /** Holds its stock and its coupon redemption (paid, or completed from a checkout, and not cancelled). */
  reserved: boolean;
  /** A storefront order still pending then is cancelled. */
  payment_due_at: Date | null;
  customer_id: string | null;
  coupon_id: string | null;
  coupon_code: string | null;
  currency: string;
  subtotal: number;
  discount: number;
  total: number;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  paid_at: Date | null;
  fulfilled_at: Date | null;
  cancelled_at: Date | null;
  line_items: LineItemRow[];
}

export type NewOrder = Pick<OrderRow, 'id' | 'customer_id' | 'coupon_id' | 'coupon_code' | 'currency' | 'subtotal' | 'discount' | 'total' | 'metadata'
  | 'discounts' | 'email' | 'shipping_address' | 'checkout_id' | 'source' | 'payment_due_at'>;
export type NewLineItem = Omit<LineItemRow, 'amount'> & { position: number };

const ORDER_COLUMNS = `o.tenant_id, o.id, o.mode, o.number, o.name, o.status, o.source, o.checkout_id, o.email, o.shipping_address, o.discounts,
  o.reserved, o.payment_due_at, o.customer_id, o.coupon_id, o.coupon_code, o.currency, o.subtotal,
  o.discount, o.total, o.metadata, o.created_at, o.updated_at, o.paid_at, o.fulfilled_at, o.cancelled_at`;
const LINE_ITEM_JSON = `json_build_object('id', li.id, 'variant_id', li.variant_id, 'product_id', li.product_id, 'sku', li.sku,
  'name', li.name, 'unit_price', li.unit_price, 'quantity', li.quantity, 'amount', li.amount)`;
const WITH_LINE_ITEMS = `${ORDER_COLUMNS},
  coalesce((select json_agg(${LINE_ITEM_JSON} order by li.position)
              from order_line_items li where li.tenant_id = o.tenant_id and li.mode = o.mode and li.order_id = o.id), '[]') as line_items`;

/**
 * Inserts the order and its line items in one statement (line item amounts computed by Postgres).
 * The trigger orders_number (sql/031) gives it the next number of its tenant and mode and its
 * name, locking the counter until the transaction ends: numbers follow commit order, no gaps.
 */
export async function insertOrder(tx: Tx, scope: TenantScope, order: NewOrder, items: NewLineItem[]): Promise<OrderRow> {
  // Named (prepared once per connection): it is on the hot path of POST /v1/orders.
  const { rows } = await tx.query({
    name: 'orders.insert',
    text: `with o as (
       insert into orders (tenant_id, mode, id, customer_id, coupon_id, coupon_code, currency, subtotal, discount, total, metadata,
                           discounts, email, shipping_address, checkout_id, source, reserved, payment_due_at)
       values ($1::uuid, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint, $10::bigint, $11::jsonb,
               $20::jsonb, $21, $22::jsonb, $23, $24, $25::boolean, $26::timestamptz)
       returning *
     ), li as (
       insert into order_line_items (tenant_id, mode, order_id, id, position, variant_id, product_id, sku, name, unit_price, quantity, amount)
       select $1::uuid, $2, $3, u.*, u.unit_price * u.quantity
         from unnest($12::text[], $13::int[], $14::text[], $15::text[], $16::text[], $17::text[], $18::bigint[], $19::int[])
              as u (id, position, variant_id, product_id, sku, name, unit_price, quantity)
       returning *
     )
     select ${ORDER_COLUMNS}, (select json_agg(${LINE_ITEM_JSON} order by li.position) from li) as line_items from o`,
    values: [
      scope.tenantId, scope.mode, order.id, order.customer_id, order.coupon_id, order.coupon_code, order.currency,
      order.subtotal, order.discount, order.total, JSON.stringify(order.metadata),
      ...columns(items, ['id', 'position', 'variant_id', 'product_id', 'sku', 'name', 'unit_price', 'quantity']),
      JSON.stringify(order.discounts), order.email, order.shipping_address && JSON.stringify(order.shipping_address), order.checkout_id,
      order.source, order.source === 'storefront', order.payment_due_at,
    ],
  });
  return rows[0];
}

export async function findOrder(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<OrderRow | undefined> {
  const { rows } = await tx.query(
    `select ${WITH_LINE_ITEMS} from orders o where o.tenant_id = $1::uuid and o.mode = $2 and o.id = $3${options.forUpdate ? ' for update of o' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

export async function listOrders(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string; status?: OrderStatus; customerId?: string }): Promise<OrderRow[]> {
  const { rows } = await tx.query(
    `select ${WITH_LINE_ITEMS} from orders o
      where o.tenant_id = $1::uuid and o.mode = $2
        and ($4::text is null or (o.created_at, o.id) < (select created_at, id from orders where tenant_id = $1::uuid and id = $4))
        and ($5::text is null or o.status = $5) and ($6::text is null or o.customer_id = $6)
      order by o.created_at desc, o.id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null, page.status ?? null, page.customerId ?? null],
  );
  return rows;
}

export async function updateOrderMetadata(tx: Tx, scope: TenantScope, id: string, metadata: Record<string, string>): Promise<OrderRow | undefined> {
  const { rows } = await tx.query(
    `with o as (update orders set metadata = $4::jsonb, updated_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 returning *)
     select ${WITH_LINE_ITEMS} from o`,
    [scope.tenantId, scope.mode, id, JSON.stringify(metadata)],
  );
  return rows[0];
}

const STATUS_TIMESTAMP = { paid: 'paid_at', fulfilled: 'fulfilled_at', cancelled: 'cancelled_at' } as const;

/**
 * Moves the order to `to` only from one of `from` (a conditional update: concurrent moves
 * serialise on the row), setting whether it holds its stock and coupon now. `dueBy` limits the
 * move to orders whose payment was due by that instant (the unpaid-order cancellation).
 */
export async function transitionOrder(
  tx: Tx, scope: TenantScope, id: string, move: { from: OrderStatus[]; to: keyof typeof STATUS_TIMESTAMP; reserved: boolean; dueBy?: Date },
): Promise<OrderRow | undefined> {
  const { rows } = await tx.query(
    `with o as (
       update orders set status = $4, ${STATUS_TIMESTAMP[move.to]} = clock_timestamp(), updated_at = clock_timestamp(), reserved = $6
        where tenant_id = $1::uuid and mode = $2 and id = $3 and status = any($5::text[])
          and ($7::timestamptz is null or payment_due_at <= $7) returning *
     )
     select ${WITH_LINE_ITEMS} from o`,
    [scope.tenantId, scope.mode, id, move.to, move.from, move.reserved, move.dueBy ?? null],
  );
  return rows[0];
}
