// A product's images: a URL reference (checked like a webhook URL would be, although Herald never
// fetches it) or the image itself (PNG, JPEG, WebP or GIF up to 5 MiB; the type is read from the
// bytes, which must match the declared one, with the width and height). Bytes are stored in
// Postgres beside the image's row. Every change records product.updated (the product, with its
// images) in the same transaction.
import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import type { ServiceContext } from '../context.ts';
import { deleteImage as deleteImageRow, findImage, findImageContent, imageSlots, insertImage, listImages as listImageRows, updateImage as updateImageRow, type NewImage } from '../db/images.ts';
import type { Tx } from '../db/pool.ts';
import { findProduct, touchProduct, type ImageRow } from '../db/products.ts';
import { withTenant } from '../db/tenant.ts';
import { notFound, payloadTooLarge, unprocessable, unsupportedMediaType } from '../errors.ts';
import { newId } from '../ids.ts';
import { presentProduct } from '../presenters/products.ts';
import type { TenantScope } from '../scope.ts';
import { recordUpdate } from './events.ts';
import { acceptableUrl, findOr404, patched } from './resources.ts';

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGES = 20;
/** The declared type → the name image-size gives what it reads from the bytes. */
export const IMAGE_TYPES: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

export interface ImageReference {
  url: string;
  alt?: string | null;
  position?: number;
}

export interface ImageUpload {
  contentType: string;
  bytes: Buffer;
  alt?: string | null;
  position?: number;
}

/** Width, height and digest of an upload, or a 413/415 when it is too big or not what it says. */
export function inspectUpload(upload: Pick<ImageUpload, 'contentType' | 'bytes'>): { width: number; height: number; sha256: string } {
  const expected = IMAGE_TYPES[upload.contentType];
  if (!expected) throw unsupportedMediaType(`images must be one of ${Object.keys(IMAGE_TYPES).join(', ')}`);
  if (upload.bytes.length > MAX_IMAGE_BYTES) throw payloadTooLarge(`an image is at most ${MAX_IMAGE_BYTES} bytes`);
  let read: { type?: string; width?: number; height?: number } | undefined;
  try {
    read = imageSize(upload.bytes);
  } catch {
    read = undefined;
  }
  if (!read || read.type !== expected || !read.width || !read.height) {
    throw unsupportedMediaType(`the body is not a valid ${upload.contentType} image${read?.type ? ` (its bytes read as ${read.type})` : ''}`);
  }
  return { width: read.width, height: read.height, sha256: createHash('sha256').update(upload.bytes).digest('base64url') };
}

export async function listImages({ pool }: ServiceContext, scope: TenantScope, productId: string, page: { limit: number; startingAfter?: string }): Promise<ImageRow[]> {
  return withTenant(pool, scope, async (tx) => {
    await findOr404('product', productId, (id) => findProduct(tx, scope, id));
    return listImageRows(tx, scope, productId, { ...page, limit: page.limit + 1 });
  });
}

/** Adds an image (a reference or an upload) to the product; records product.updated. */
export async function addImage(services: ServiceContext, scope: TenantScope, productId: string, input: ImageReference | ImageUpload): Promise<ImageRow> {
  const fields: Omit<NewImage, 'id' | 'position'> = 'url' in input
    ? { url: acceptableUrl(services.config, input.url), alt: input.alt ?? null, content: null, content_type: null, width: null, height: null, sha256: null }
    : { url: null, alt: input.alt ?? null, content: input.bytes, content_type: input.contentType, ...inspectUpload(input) };
  return changingProduct(services, scope, productId, async (tx) => {
    const slots = await imageSlots(tx, scope, productId);
    if (slots.count >= MAX_IMAGES) throw unprocessable(`a product has at most ${MAX_IMAGES} images`);
    return insertImage(tx, scope, productId, { ...fields, id: newId('image'), position: input.position ?? slots.next_position });
  });
}

export async function getImage({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<ImageRow> {
  return withTenant(pool, scope, (tx) => findOr404('image', id, (id) => findImage(tx, scope, id)));
}

/** A JSON merge patch of alt and position; records product.updated. */
export async function updateImage(services: ServiceContext, scope: TenantScope, id: string, patch: { alt?: string | null; position?: number }): Promise<ImageRow> {
  const image = await getImage(services, scope, id);
  return changingProduct(services, scope, image.product_id, async (tx) => {
    const before = await findOr404('image', id, (id) => findImage(tx, scope, id, { forUpdate: true }));
    return (await updateImageRow(tx, scope, id, { alt: patched(patch.alt, before.alt), position: patched(patch.position, before.position) }))!;
  });
}

/** Removes the image and its bytes; records product.updated. */
export async function deleteImage(services: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  const image = await getImage(services, scope, id);
  await changingProduct(services, scope, image.product_id, async (tx) => {
    await findOr404('image', id, (id) => findImage(tx, scope, id, { forUpdate: true }));
    await deleteImageRow(tx, scope, id);
  });
}

/** The stored bytes of an uploaded image; a URL reference has none (404: Herald never fetches it). */
export async function imageContent({ pool }: ServiceContext, scope: TenantScope, id: string, options: { activeOnly?: boolean } = {}) {
  const found = await withTenant(pool, scope, (tx) => findOr404('image', id, (id) => findImageContent(tx, scope, id, options)));
  if (!found.content) throw notFound('this image is a URL reference: Herald stores no content for it; fetch its url');
  return { bytes: found.content, contentType: found.content_type!, etag: `"${found.sha256}"` };
}

/** Runs `change` with the product locked, then bumps it and records product.updated (before → after). */
async function changingProduct<T>({ pool }: ServiceContext, scope: TenantScope, productId: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('product', productId, (id) => findProduct(tx, scope, id, { forUpdate: true }));
    const result = await change(tx);
    await touchProduct(tx, scope, productId);
    await recordUpdate(tx, scope, 'product.updated', presentProduct(before), presentProduct((await findProduct(tx, scope, productId))!));
    return result;
  });
}
