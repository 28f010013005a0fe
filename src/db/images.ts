// product_images: tenant-scoped; every function runs inside withTenant and names its tenant and
// mode itself too. Reads never carry the bytes except findImageContent, which serves them.
import type { Tx } from './pool.ts';
import type { TenantScope } from '../scope.ts';
import { IMAGE_COLUMNS, type ImageRow } from './products.ts';

export interface NewImage {
  id: string;
  position: number;
  alt: string | null;
  url: string | null;
  content: Buffer | null;
  content_type: string | null;
  width: number | null;
  height: number | null;
  sha256: string | null;
}

export interface ImageContent {
  content: Buffer | null;
  content_type: string | null;
  sha256: string | null;
}

export async function insertImage(tx: Tx, scope: TenantScope, productId: string, i: NewImage): Promise<ImageRow> {
  const { rows } = await tx.query(
    `insert into product_images (tenant_id, mode, product_id, id, position, alt, url, content, content_type, byte_size, width, height, sha256)
     values ($1::uuid, $2, $3, $4, $5::int, $6, $7, $8::bytea, $9, octet_length($8::bytea), $10::int, $11::int, $12)
     returning ${IMAGE_COLUMNS}`,
    [scope.tenantId, scope.mode, productId, i.id, i.position, i.alt, i.url, i.content, i.content_type, i.width, i.height, i.sha256],
  );
  return rows[0];
}

/** An image of an undeleted product. */
export async function findImage(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<ImageRow | undefined> {
  const { rows } = await tx.query(
    `select ${IMAGE_COLUMNS} from product_images i
      where i.tenant_id = $1::uuid and i.mode = $2 and i.id = $3
        and exists (select 1 from products p where p.tenant_id = i.tenant_id and p.mode = i.mode and p.id = i.product_id and p.deleted_at is null)
      ${options.forUpdate ? 'for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

/** The stored bytes of an image of an undeleted product (of an active one with activeOnly). */
export async function findImageContent(tx: Tx, scope: TenantScope, id: string, options: { activeOnly?: boolean } = {}): Promise<ImageContent | undefined> {
  const { rows } = await tx.query(
    `select i.content, i.content_type, i.sha256
       from product_images i join products p on p.tenant_id = i.tenant_id and p.mode = i.mode and p.id = i.product_id
      where i.tenant_id = $1::uuid and i.mode = $2 and i.id = $3 and p.deleted_at is null and (not $4::boolean or p.active)`,
    [scope.tenantId, scope.mode, id, options.activeOnly ?? false],
  );
  return rows[0];
}

/** The product's images, newest first; up to `limit` rows. */
export async function listImages(tx: Tx, scope: TenantScope, productId: string, page: { limit: number; startingAfter?: string }): Promise<ImageRow[]> {
  const { rows } = await tx.query(
    `select ${IMAGE_COLUMNS} from product_images
      where tenant_id = $1::uuid and mode = $2 and product_id = $3
        and ($5::text is null or (created_at, id) < (select created_at, id from product_images where tenant_id = $1::uuid and id = $5))
      order by created_at desc, id desc limit $4`,
    [scope.tenantId, scope.mode, productId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** How many images the product has, and the position after its last one. */
export async function imageSlots(tx: Tx, scope: TenantScope, productId: string): Promise<{ count: number; next_position: number }> {
  const { rows } = await tx.query(
    `select count(*)::int as count, coalesce(max(position) + 1, 0)::int as next_position from product_images
      where tenant_id = $1::uuid and mode = $2 and product_id = $3`,
    [scope.tenantId, scope.mode, productId],
  );
  return rows[0];
}

export async function updateImage(tx: Tx, scope: TenantScope, id: string, i: { alt: string | null; position: number }): Promise<ImageRow | undefined> {
  const { rows } = await tx.query(
    `update product_images set alt = $4, position = $5::int, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 returning ${IMAGE_COLUMNS}`,
    [scope.tenantId, scope.mode, id, i.alt, i.position],
  );
  return rows[0];
}

export async function deleteImage(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query('delete from product_images where tenant_id = $1::uuid and mode = $2 and id = $3', [scope.tenantId, scope.mode, id]);
}
