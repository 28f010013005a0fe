// products and their variants: tenant-scoped; every function runs inside withTenant and names its
// tenant and mode itself too (row-level security backs it up). Reads skip soft-deleted rows; a
// product is read with its live variants in one statement.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';
import { columns } from './unnest.ts';

export interface VariantRow {
  id: string;
  product_id: string;
  sku: string;
  price: number;
  currency: string;
  inventory_quantity: number;
  /** A Date, or its JSON text when read inside a product. */
  created_at: Date | string;
  updated_at: Date | string;
}

/** An image as read with its product and on its own: never its bytes. */
export interface ImageRow {
  id: string;
  product_id: string;
  position: number;
  alt: string | null;
  url: string | null;
  content_type: string | null;
  byte_size: number | null;
  width: number | null;
  height: number | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface ProductRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  name: string;
  description: string | null;
  active: boolean;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  variants: VariantRow[];
  images: ImageRow[];
}

export interface ProductFields {
  name: string;
  description: string | null;
  active: boolean;
  metadata: Record<string, string>;
}

export interface VariantFields {
  sku: string;
  price: number;
  currency: string;
  inventory_quantity: number;
}

const PRODUCT_COLUMNS = 'p.tenant_id, p.id, p.mode, p.name, p.description, p.active, p.metadata, p.created_at, p.updated_at';
export const VARIANT_COLUMNS = 'id, product_id, sku, price, currency, inventory_quantity, created_at, updated_at';
export const IMAGE_COLUMNS = 'id, product_id, position, alt, url, content_type, byte_size, width, height, created_at, updated_at';
const SELECT_PRODUCT = `select ${PRODUCT_COLUMNS},
  coalesce((select json_agg(json_build_object('id', v.id, 'product_id', v.product_id, 'sku', v.sku, 'price', v.price, 'currency', v.currency,
                                              'inventory_quantity', v.inventory_quantity, 'created_at', v.created_at, 'updated_at', v.updated_at)
                            order by v.position)
              from variants v
             where v.tenant_id = p.tenant_id and v.mode = p.mode and v.product_id = p.id and v.deleted_at is null), '[]') as variants,
  coalesce((select json_agg(json_build_object('id', i.id, 'product_id', i.product_id, 'position', i.position, 'alt', i.alt, 'url', i.url,
                                              'content_type', i.content_type, 'byte_size', i.byte_size, 'width', i.width, 'height', i.height,
                                              'created_at', i.created_at, 'updated_at', i.updated_at) order by i.position, i.id)
              from product_images i where i.tenant_id = p.tenant_id and i.mode = p.mode and i.product_id = p.id), '[]') as images
  from products p`;

export async function insertProduct(tx: Tx, scope: TenantScope, id: string, p: ProductFields): Promise<Omit<ProductRow, 'variants' | 'images'>> {
  const { rows } = await tx.query(
    `insert into products as p (tenant_id, id, mode, name, description, active, metadata)
     values ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb) returning ${PRODUCT_COLUMNS}`,
    [scope.tenantId, id, scope.mode, p.name, p.description, p.active, JSON.stringify(p.metadata)],
  );
  return rows[0];
}

/** Inserts variants in one statement; `position` keeps the order they were given in. */
export async function insertVariants(
  tx: Tx, scope: TenantScope, productId: string, variants: (VariantFields & { id: string; position: number })[],
): Promise<VariantRow[]> {
  const { rows } = await tx.query(
    `insert into variants (tenant_id, mode, product_id, id, position, sku, price, currency, inventory_quantity)
     select $1::uuid, $2, $3, * from unnest($4::text[], $5::int[], $6::text[], $7::bigint[], $8::text[], $9::int[])
     returning ${VARIANT_COLUMNS}`,
    [scope.tenantId, scope.mode, productId, ...columns(variants, ['id', 'position', 'sku', 'price', 'currency', 'inventory_quantity'])],
  );
  return rows;
}

/**
 * Takes the product's variants `ids` out of the sku index for the rest of the transaction (marked
 * deleted; updateVariants brings them back), so one PATCH may swap skus among them: the index is
 * checked row by row, and a swap done in place would clash with itself halfway.
 */
export async function parkVariants(tx: Tx, scope: TenantScope, productId: string, ids: string[]): Promise<void> {
  await tx.query(
    `update variants set deleted_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and product_id = $3 and id = any($4::text[]) and deleted_at is null`,
    [scope.tenantId, scope.mode, productId, ids],
  );
}

/** Writes the variants' new fields and brings them back from parkVariants. */
export async function updateVariants(tx: Tx, scope: TenantScope, productId: string, variants: (VariantFields & { id: string; position: number })[]): Promise<void> {
  await tx.query(
    `update variants v set position = u.position, sku = u.sku, price = u.price, currency = u.currency, inventory_quantity = u.inventory_quantity,
            deleted_at = null, updated_at = clock_timestamp()
       from unnest($4::text[], $5::int[], $6::text[], $7::bigint[], $8::text[], $9::int[]) as u (id, position, sku, price, currency, inventory_quantity)
      where v.tenant_id = $1::uuid and v.mode = $2 and v.id = u.id and v.product_id = $3`,
    [scope.tenantId, scope.mode, productId, ...columns(variants, ['id', 'position', 'sku', 'price', 'currency', 'inventory_quantity'])],
  );
}

/** Soft-deletes the product's variants not in `keep` (all of them when `keep` is empty). */
export async function deleteVariantsExcept(tx: Tx, scope: TenantScope, productId: string, keep: string[]): Promise<void> {
  await tx.query(
    `update variants set deleted_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and product_id = $3 and deleted_at is null and not (id = any($4::text[]))`,
    [scope.tenantId, scope.mode, productId, keep],
  );
}

export async function findProduct(tx: Tx, scope: TenantScope, id: string, options: { activeOnly?: boolean; forUpdate?: boolean } = {}): Promise<ProductRow | undefined> {
  const { rows } = await tx.query(
    `${SELECT_PRODUCT} where p.tenant_id = $1::uuid and p.mode = $2 and p.id = $3 and p.deleted_at is null
       and (not $4::boolean or p.active)${options.forUpdate ? ' for update of p' : ''}`,
    [scope.tenantId, scope.mode, id, options.activeOnly ?? false],
  );
  return rows[0];
}

export async function listProducts(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string; activeOnly?: boolean }): Promise<ProductRow[]> {
  const { rows } = await tx.query(
    `${SELECT_PRODUCT}
      where p.tenant_id = $1::uuid and p.mode = $2 and p.deleted_at is null and (not $5::boolean or p.active)
        and ($4::text is null or (p.created_at, p.id) < (select created_at, id from products where tenant_id = $1::uuid and id = $4))
      order by p.created_at desc, p.id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null, page.activeOnly ?? false],
  );
  return rows;
}

export async function updateProduct(tx: Tx, scope: TenantScope, id: string, p: ProductFields): Promise<void> {
  await tx.query(
    `update products set name = $4, description = $5, active = $6, metadata = $7::jsonb, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null`,
    [scope.tenantId, scope.mode, id, p.name, p.description, p.active, JSON.stringify(p.metadata)],
  );
}

/** Marks the product changed (a variant or image of it changed): bumps updated_at. */
export async function touchProduct(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update products set updated_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
}

export async function softDeleteProduct(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update products set deleted_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
}

/** Of `ids`, those naming undeleted products. */
export async function existingProductIds(tx: Tx, scope: TenantScope, ids: string[]): Promise<string[]> {
  const { rows } = await tx.query(
    'select id from products where tenant_id = $1::uuid and mode = $2 and id = any($3::text[]) and deleted_at is null',
    [scope.tenantId, scope.mode, ids],
  );
  return rows.map((r) => r.id);
}

/** Variants an order may buy: live (not deleted) variants of live products, with the product's name and state. */
export interface SellableVariant extends Pick<VariantRow, 'id' | 'sku' | 'price' | 'currency' | 'inventory_quantity'> {
  product_id: string;
  product_name: string;
  product_active: boolean;
}

export async function findSellableVariants(tx: Tx, scope: TenantScope, ids: string[]): Promise<SellableVariant[]> {
  // Named (prepared once per connection): it is on the hot path of POST /v1/orders.
  const { rows } = await tx.query({
    name: 'variants.sellable',
    text: `select v.id, v.sku, v.price, v.currency, v.inventory_quantity, v.product_id, p.name as product_name, p.active as product_active
       from variants v join products p on p.tenant_id = v.tenant_id and p.mode = v.mode and p.id = v.product_id
      where v.tenant_id = $1::uuid and v.mode = $2 and v.id = any($3::text[]) and v.deleted_at is null and p.deleted_at is null`,
    values: [scope.tenantId, scope.mode, ids],
  });
  return rows;
}

/**
 * Moves an order's quantities out of stock (sign -1) or back in (+1), locking the variants in id
 * order so concurrent orders cannot deadlock, and never below zero. Variants deleted since are
 * skipped. Returns how many variants moved out of how many the order has: when taking stock,
 * fewer means not enough was left and the caller must roll back.
 */
export async function moveInventory(tx: Tx, scope: TenantScope, orderId: string, sign: -1 | 1): Promise<{ moved: number; wanted: number }> {
  const { rows } = await tx.query(
    `with wanted as (
       select variant_id, sum(quantity) as quantity from order_line_items
        where tenant_id = $1::uuid and mode = $2 and order_id = $3 group by variant_id
     ), locked as (
       select v.id from variants v join wanted w on w.variant_id = v.id
        where v.tenant_id = $1::uuid and v.mode = $2 order by v.id for update of v
     ), moved as (
       update variants v set inventory_quantity = v.inventory_quantity + $4::int * w.quantity
         from wanted w, locked l
        where v.tenant_id = $1::uuid and v.mode = $2 and v.id = w.variant_id and l.id = v.id and v.deleted_at is null
          and v.inventory_quantity + $4::int * w.quantity >= 0
       returning v.id
     )
     select (select count(*) from moved) as moved, (select count(*) from wanted) as wanted`,
    [scope.tenantId, scope.mode, orderId, sign],
  );
  return rows[0];
}
