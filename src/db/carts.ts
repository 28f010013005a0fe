// carts and their items: tenant-scoped; every function runs inside withTenant and names its tenant
// and mode itself too. A cart is read with its items priced from their variants as they are now,
// in one statement.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';
import type { LineItemRow } from './orders.ts';

/** A cart line priced now (the same fields as an order's line item, and the variant's currency). */
export interface CartItemRow extends Omit<LineItemRow, 'amount'> {
  currency: string;
  /** The variant can still be bought: it and its product are live and the product is active. */
  available: boolean;
}

export interface CartRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  currency: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  items: CartItemRow[];
}

const CART_COLUMNS = 'c.tenant_id, c.id, c.mode, c.currency, c.created_at, c.updated_at, c.completed_at';
const SELECT_CART = `select ${CART_COLUMNS},
  coalesce((select json_agg(json_build_object('id', ci.id, 'variant_id', ci.variant_id, 'product_id', v.product_id, 'sku', v.sku, 'name', p.name,
                                              'unit_price', v.price, 'currency', v.currency, 'quantity', ci.quantity,
                                              'available', v.deleted_at is null and p.deleted_at is null and p.active)
                            order by ci.created_at, ci.id)
              from cart_items ci
              join variants v on v.tenant_id = ci.tenant_id and v.mode = ci.mode and v.id = ci.variant_id
              join products p on p.tenant_id = v.tenant_id and p.mode = v.mode and p.id = v.product_id
             where ci.tenant_id = c.tenant_id and ci.mode = c.mode and ci.cart_id = c.id), '[]') as items
  from carts c`;

export async function insertCart(tx: Tx, scope: TenantScope, id: string, tokenHash: string): Promise<void> {
  await tx.query('insert into carts (tenant_id, id, mode, token_hash) values ($1::uuid, $2, $3, $4)', [scope.tenantId, id, scope.mode, tokenHash]);
}

/** The cart; with `tokenHash`, only if that is its token's hash (a wrong token finds nothing). */
export async function findCart(tx: Tx, scope: TenantScope, id: string, options: { tokenHash?: string; forUpdate?: boolean } = {}): Promise<CartRow | undefined> {
  const { rows } = await tx.query(
    `${SELECT_CART} where c.tenant_id = $1::uuid and c.mode = $2 and c.id = $3 and ($4::text is null or c.token_hash = $4)${options.forUpdate ? ' for update of c' : ''}`,
    [scope.tenantId, scope.mode, id, options.tokenHash ?? null],
  );
  return rows[0];
}

export async function listCarts(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CartRow[]> {
  const { rows } = await tx.query(
    `${SELECT_CART}
      where c.tenant_id = $1::uuid and c.mode = $2
        and ($4::text is null or (c.created_at, c.id) < (select created_at, id from carts where tenant_id = $1::uuid and id = $4))
      order by c.created_at desc, c.id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** Sets the cart's currency (its first item's, or null once empty) and bumps updated_at. */
export async function touchCart(tx: Tx, scope: TenantScope, id: string, currency: string | null): Promise<void> {
  await tx.query(
    'update carts set currency = $4, updated_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3',
    [scope.tenantId, scope.mode, id, currency],
  );
}

export async function completeCart(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    `update carts set completed_at = clock_timestamp(), updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and completed_at is null`,
    [scope.tenantId, scope.mode, id],
  );
}

export async function insertCartItem(tx: Tx, scope: TenantScope, cartId: string, item: { id: string; variant_id: string; quantity: number }): Promise<void> {
  await tx.query(
    'insert into cart_items (tenant_id, mode, cart_id, id, variant_id, quantity) values ($1::uuid, $2, $3, $4, $5, $6::int)',
    [scope.tenantId, scope.mode, cartId, item.id, item.variant_id, item.quantity],
  );
}

export async function updateCartItem(tx: Tx, scope: TenantScope, cartId: string, id: string, quantity: number): Promise<void> {
  await tx.query(
    'update cart_items set quantity = $5::int, updated_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and cart_id = $3 and id = $4',
    [scope.tenantId, scope.mode, cartId, id, quantity],
  );
}

export async function deleteCartItem(tx: Tx, scope: TenantScope, cartId: string, id: string): Promise<void> {
  await tx.query('delete from cart_items where tenant_id = $1::uuid and mode = $2 and cart_id = $3 and id = $4', [scope.tenantId, scope.mode, cartId, id]);
}
