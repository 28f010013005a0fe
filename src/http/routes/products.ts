import { createProduct, deleteProduct, getProduct, listProducts, updateProduct } from '../../services/products.ts';
import { presentProduct, Product } from '../../presenters/products.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { NewProduct, ProductPatch } from '../schemas/products.ts';
import { route } from '../route.ts';

const tag = 'products';
const read = { role: 'viewer', publishable: true } as const;
const write = { role: 'developer' } as const;

export const productRoutes = [
  route({
    method: 'get', path: '/v1/products', summary: 'List products (publishable keys: active products only)', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Product) },
    handle: async ({ query, auth, services }) => {
      const rows = await listProducts(services, auth, { limit: query.limit, startingAfter: query.starting_after, activeOnly: auth.via === 'publishable_key' });
      return { status: 200, body: toPage(rows, query.limit, presentProduct) };
    },
  }),
  route({
    method: 'post', path: '/v1/products', summary: 'Create a product with its variants', tag, access: write, body: NewProduct,
    response: { status: 201, schema: Product }, errors: [409],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentProduct(await createProduct(services, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/products/:id', summary: 'Retrieve a product (publishable keys: active products only)', tag, access: read,
    response: { status: 200, schema: Product },
    handle: async ({ params, auth, services }) => ({
      status: 200, body: presentProduct(await getProduct(services, auth, params.id, { activeOnly: auth.via === 'publishable_key' })),
    }),
  }),
  route({
    method: 'patch', path: '/v1/products/:id', summary: 'Update a product (JSON merge patch)', tag, access: write, body: ProductPatch,
    response: { status: 200, schema: Product }, errors: [409, 422],
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentProduct(await updateProduct(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/products/:id', summary: 'Delete a product (orders keep their line items)', tag, access: write,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteProduct(services, auth, params.id);
      return { status: 204 };
    },
  }),
];
