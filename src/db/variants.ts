// variants on their own (GET/PATCH/DELETE /v1/variants/:id): tenant-scoped; every function runs
// inside withTenant. A variant is live while it and its product are not deleted.
import type { Tx } from './pool.ts';
import type { TenantScope } from '../scope.ts';
import { VARIANT_COLUMNS, type VariantFields, type VariantRow } from './products.ts';

const LIVE = `deleted_at is null and exists (select 1 from products p where p.tenant_id = variants.tenant_id and p.id = variants.product_id and p.deleted_at is null)`;

export async function findVariant(tx: Tx, id: string, options: { forUpdate?: boolean } = {}): Promise<VariantRow | undefined> {
  const { rows } = await tx.query(`select ${VARIANT_COLUMNS} from variants where id = $1 and ${LIVE}${options.forUpdate ? ' for update' : ''}`, [id]);
  return rows[0];
}

/** The product's live variants, newest first; up to `limit` rows. */
export async function listVariants(tx: Tx, productId: string, page: { limit: number; startingAfter?: string }): Promise<VariantRow[]> {
  const { rows } = await tx.query(
    `select ${VARIANT_COLUMNS} from variants
      where product_id = $1 and deleted_at is null
        and ($3::text is null or (created_at, id) < (select created_at, id from variants where id = $3))
      order by created_at desc, id desc limit $2`,
    [productId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** How many live variants the product has, and the position after its last one. */
export async function variantSlots(tx: Tx, productId: string): Promise<{ count: number; next_position: number }> {
  const { rows } = await tx.query(
    'select count(*)::int as count, coalesce(max(position) + 1, 0)::int as next_position from variants where product_id = $1 and deleted_at is null',
    [productId],
  );
  return rows[0];
}

export async function insertVariant(tx: Tx, scope: TenantScope, productId: string, v: VariantFields & { id: string; position: number }): Promise<VariantRow> {
  const { rows } = await tx.query(
    `insert into variants (tenant_id, mode, product_id, id, position, sku, price, currency, inventory_quantity)
     values ($1::uuid, $2, $3, $4, $5::int, $6, $7::bigint, $8, $9::int) returning ${VARIANT_COLUMNS}`,
    [scope.tenantId, scope.mode, productId, v.id, v.position, v.sku, v.price, v.currency, v.inventory_quantity],
  );
  return rows[0];
}

export async function updateVariant(tx: Tx, id: string, v: VariantFields): Promise<VariantRow | undefined> {
  const { rows } = await tx.query(
    `update variants set sku = $2, price = $3::bigint, currency = $4, inventory_quantity = $5::int, updated_at = clock_timestamp()
      where id = $1 and deleted_at is null returning ${VARIANT_COLUMNS}`,
    [id, v.sku, v.price, v.currency, v.inventory_quantity],
  );
  return rows[0];
}

export async function softDeleteVariant(tx: Tx, id: string): Promise<void> {
  await tx.query('update variants set deleted_at = clock_timestamp() where id = $1 and deleted_at is null', [id]);
}

/**
 * Adds `adjustment` to the stock in one conditional statement: nothing changes unless the result
 * stays within 0..max. Concurrent adjustments serialise on the row and each sees the last.
 */
export async function adjustInventory(tx: Tx, id: string, adjustment: number, max: number): Promise<VariantRow | undefined> {
  const { rows } = await tx.query(
    `update variants set inventory_quantity = inventory_quantity + $2::int, updated_at = clock_timestamp()
      where id = $1 and deleted_at is null and inventory_quantity + $2::bigint between 0 and $3::bigint
     returning ${VARIANT_COLUMNS}`,
    [id, adjustment, max],
  );
  return rows[0];
}
