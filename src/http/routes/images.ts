import { addImage, deleteImage, IMAGE_TYPES, imageContent, listImages, MAX_IMAGE_BYTES, updateImage } from '../../services/images.ts';
import { Image, presentImage } from '../../presenters/products.ts';
import { conditional } from '../caching.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { ImagePatch, ImageReference, ImageUploadQuery } from '../schemas/products.ts';
import { route } from '../route.ts';

const tag = 'images';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;
export const IMAGE_UPLOAD = { types: Object.keys(IMAGE_TYPES), maxBytes: MAX_IMAGE_BYTES };

/** Headers of stored image bytes: their type, and never sniffed as anything else by a browser. */
export const imageHeaders = (contentType: string, cacheControl: string) =>
  ({ 'content-type': contentType, 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' });

export const imageRoutes = [
  route({
    method: 'get', path: '/v1/products/:id/images', summary: 'List a product\'s images', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Image) },
    handle: async ({ params, query, auth, services }) => {
      const rows = await listImages(services, auth, params.id, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentImage) };
    },
  }),
  route({
    method: 'post', path: '/v1/products/:id/images',
    summary: 'Add an image: a URL reference as JSON, or the image itself as the body (PNG, JPEG, WebP, GIF; at most 5 MiB; the type is read from the bytes)',
    tag, access: write, body: ImageReference, upload: IMAGE_UPLOAD, query: ImageUploadQuery,
    response: { status: 201, schema: Image }, errors: [413, 415, 422],
    handle: async ({ params, body, upload, query, auth, services }) => {
      const input = upload ? { contentType: upload.contentType, bytes: upload.bytes, alt: query.alt, position: query.position } : body;
      return { status: 201, body: presentImage(await addImage(services, auth, params.id, input)) };
    },
  }),
  route({
    method: 'patch', path: '/v1/images/:id', summary: 'Update an image\'s alt text or position (JSON merge patch)', tag, access: write, body: ImagePatch,
    response: { status: 200, schema: Image },
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentImage(await updateImage(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/images/:id', summary: 'Delete an image (its bytes with it)', tag, access: write,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteImage(services, auth, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'get', path: '/v1/images/:id/content', summary: 'The bytes of an uploaded image (a URL reference has none: 404)', tag, access: read,
    response: { status: 200, binary: IMAGE_UPLOAD.types, description: 'The image, with a strong ETag; If-None-Match with it answers 304' }, conditional: true,
    handle: async ({ params, auth, http, services }) => {
      const image = await imageContent(services, auth, params.id);
      return conditional(http.get('if-none-match'), image.bytes, imageHeaders(image.contentType, 'private, max-age=60'), image.etag);
    },
  }),
];
