// variants on their own (GET/PATCH/DELETE /v1/variants/:id): tenant-scoped; every function runs
// inside withTenant and names its tenant and mode itself too. A variant is live while it and its
// product are not deleted.
import type { Tx } from './pool.ts';
import type { TenantScope } from '../scope.ts';
import { VARIANT_COLUMNS, type VariantFields, type VariantRow } from './products.ts';

const LIVE = `deleted_at is null and exists (select 1 from products p
  where p.tenant_id = variants.tenant_id and p.mode = variants.mode and p.id = variants.product_id and p.deleted_at is null)`;

export async function findVariant(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<VariantRow | undefined> {
  const { rows } = await tx.query(
    `select ${VARIANT_COLUMNS} from variants where tenant_id = $1::uuid and mode = $2 and id = $3 and ${LIVE}${options.forUpdate ? ' for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

/** The product's live variants, newest first; up to `limit` rows. */
export async function listVariants(tx: Tx, scope: TenantScope, productId: string, page: { limit: number; startingAfter?: string }): Promise<VariantRow[]> {
  const { rows } = await tx.query(
    `select ${VARIANT_COLUMNS} from variants
      where tenant_id = $1::uuid and mode = $2 and product_id = $3 and deleted_at is null
        and ($5::text is null or (created_at, id) < (select created_at, id from variants where tenant_id = $1::uuid and id = $5))
      order by created_at desc, id desc limit $4`,
    [scope.tenantId, scope.mode, productId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** How many live variants the product has, and the position after its last one. */
export async function variantSlots(tx: Tx, scope: TenantScope, productId: string): Promise<{ count: number; next_position: number }> {
  const { rows } = await tx.query(
    `select count(*)::int as count, coalesce(max(position) + 1, 0)::int as next_position from variants
      where tenant_id = $1::uuid and mode = $2 and product_id = $3 and deleted_at is null`,
    [scope.tenantId, scope.mode, productId],
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

export async function updateVariant(tx: Tx, scope: TenantScope, id: string, v: VariantFields): Promise<VariantRow | undefined> {
  const { rows } = await tx.query(
    `update variants set sku = $4, price = $5::bigint, currency = $6, inventory_quantity = $7::int, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null returning ${VARIANT_COLUMNS}`,
    [scope.tenantId, scope.mode, id, v.sku, v.price, v.currency, v.inventory_quantity],
  );
  return rows[0];
}

export async function softDeleteVariant(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update variants set deleted_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
}

/**
 * Adds `adjustment` to the stock in one conditional statement: nothing changes unless the result
 * stays within 0..max. Concurrent adjustments serialise on the row and each sees the last.
 */
export async function adjustInventory(tx: Tx, scope: TenantScope, id: string, adjustment: number, max: number): Promise<VariantRow | undefined> {
  const { rows } = await tx.query(
    `update variants set inventory_quantity = inventory_quantity + $4::int, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null and inventory_quantity + $4::bigint between 0 and $5::bigint
     returning ${VARIANT_COLUMNS}`,
    [scope.tenantId, scope.mode, id, adjustment, max],
  );
  return rows[0];
}
