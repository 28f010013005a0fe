import { adjustVariantInventory, createVariant, deleteVariant, getVariant, listVariants, updateVariant } from '../../services/variants.ts';
import { presentVariant, Variant } from '../../presenters/products.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { InventoryAdjustment, NewVariant, VariantPatch } from '../schemas/products.ts';
import { route } from '../route.ts';

const tag = 'variants';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

export const variantRoutes = [
  route({
    method: 'get', path: '/v1/products/:id/variants', summary: 'List a product\'s variants', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Variant) },
    handle: async ({ params, query, auth, services }) => {
      const rows = await listVariants(services, auth, params.id, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentVariant) };
    },
  }),
  route({
    method: 'post', path: '/v1/products/:id/variants', summary: 'Add a variant to a product (at most 100)', tag, access: write, body: NewVariant,
    response: { status: 201, schema: Variant }, errors: [409, 422],
    handle: async ({ params, body, auth, services }) => ({ status: 201, body: presentVariant(await createVariant(services, auth, params.id, body)) }),
  }),
  route({
    method: 'get', path: '/v1/variants/:id', summary: 'Retrieve a variant', tag, access: read,
    response: { status: 200, schema: Variant },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentVariant(await getVariant(services, auth, params.id)) }),
  }),
  route({
    method: 'patch', path: '/v1/variants/:id', summary: 'Update a variant (JSON merge patch)', tag, access: write, body: VariantPatch,
    response: { status: 200, schema: Variant }, errors: [409],
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentVariant(await updateVariant(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/variants/:id', summary: 'Delete a variant (a product keeps at least one: 409)', tag, access: write,
    response: { status: 204 }, errors: [409],
    handle: async ({ params, auth, services }) => {
      await deleteVariant(services, auth, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'post', path: '/v1/variants/:id/inventory', summary: 'Adjust a variant\'s stock atomically (never below 0: 409)', tag, access: write,
    body: InventoryAdjustment, response: { status: 200, schema: Variant }, errors: [409, 422],
    handle: async ({ params, body, auth, services }) => ({
      status: 200, body: presentVariant(await adjustVariantInventory(services, auth, params.id, body.adjustment)),
    }),
  }),
];
