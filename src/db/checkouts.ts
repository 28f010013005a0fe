// checkouts: tenant-scoped; every function runs inside withTenant and names its tenant and mode
// itself too. A checkout keeps the quote it was made with (line items, discounts, totals) as it was.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';
import type { AppliedDiscount, LineItemRow, ShippingAddress } from './orders.ts';

export type CheckoutStatus = 'open' | 'completed' | 'expired';

/** A line as quoted: what becomes the order's line item (which adds its own id). */
export type QuotedLine = Omit<LineItemRow, 'id'>;

export interface CheckoutFields {
  cart_id: string;
  email: string;
  shipping_address: ShippingAddress;
  coupon_id: string | null;
  coupon_code: string | null;
  currency: string;
  subtotal: number;
  discount: number;
  total: number;
  discounts: AppliedDiscount[];
  line_items: QuotedLine[];
  expires_at: Date;
}

export interface CheckoutRow extends CheckoutFields {
  tenant_id: string;
  id: string;
  mode: Mode;
  status: CheckoutStatus;
  completed_at: Date | null;
  expired_at: Date | null;
  order_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `tenant_id, id, mode, cart_id, status, email, shipping_address, coupon_id, coupon_code, currency, subtotal, discount, total,
  discounts, line_items, expires_at, completed_at, expired_at, order_id, created_at, updated_at`;

export async function insertCheckout(tx: Tx, scope: TenantScope, id: string, c: CheckoutFields): Promise<CheckoutRow> {
  const { rows } = await tx.query(
    `insert into checkouts (tenant_id, mode, id, cart_id, email, shipping_address, coupon_id, coupon_code, currency, subtotal, discount, total,
                            discounts, line_items, expires_at)
     values ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10::bigint, $11::bigint, $12::bigint, $13::jsonb, $14::jsonb, $15::timestamptz)
     returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, id, c.cart_id, c.email, JSON.stringify(c.shipping_address), c.coupon_id, c.coupon_code, c.currency,
      c.subtotal, c.discount, c.total, JSON.stringify(c.discounts), JSON.stringify(c.line_items), c.expires_at],
  );
  return rows[0];
}

export async function findCheckout(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<CheckoutRow | undefined> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from checkouts where tenant_id = $1::uuid and mode = $2 and id = $3${options.forUpdate ? ' for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

export async function listCheckouts(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CheckoutRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from checkouts
      where tenant_id = $1::uuid and mode = $2
        and ($4::text is null or (created_at, id) < (select created_at, id from checkouts where tenant_id = $1::uuid and id = $4))
      order by created_at desc, id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function completeCheckout(tx: Tx, scope: TenantScope, id: string, orderId: string): Promise<CheckoutRow | undefined> {
  const { rows } = await tx.query(
    `update checkouts set status = 'completed', order_id = $4, completed_at = clock_timestamp(), updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and status = 'open' returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, id, orderId],
  );
  return rows[0];
}

/** Marks as expired those of `ids` still open whose time ran out at `now`; returns them. */
export async function expireCheckouts(tx: Tx, scope: TenantScope, ids: string[], now: Date): Promise<CheckoutRow[]> {
  const { rows } = await tx.query(
    `update checkouts set status = 'expired', expired_at = clock_timestamp(), updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = any($3::text[]) and status = 'open' and expires_at <= $4 returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, ids, now],
  );
  return rows;
}
