import {
  addAddress, createCustomer, deleteAddress, deleteCustomer, getCustomer, listAddresses, listCustomers, updateAddress, updateCustomer,
} from '../../services/customers.ts';
import { Address, Customer, presentAddress, presentCustomer } from '../../presenters/customers.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { AddressPatch, CustomerPatch, NewAddress, NewCustomer } from '../schemas/customers.ts';
import { route } from '../route.ts';

const tag = 'customers';
const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

export const customerRoutes = [
  route({
    method: 'get', path: '/v1/customers', summary: 'List customers', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Customer) },
    handle: async ({ query, auth, services }) => {
      const rows = await listCustomers(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentCustomer) };
    },
  }),
  route({
    method: 'post', path: '/v1/customers', summary: 'Create a customer', tag, access: write, body: NewCustomer,
    response: { status: 201, schema: Customer }, errors: [409],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentCustomer(await createCustomer(services, auth, body)) }),
  }),
  route({
    method: 'get', path: '/v1/customers/:id', summary: 'Retrieve a customer', tag, access: read,
    response: { status: 200, schema: Customer },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentCustomer(await getCustomer(services, auth, params.id)) }),
  }),
  route({
    method: 'patch', path: '/v1/customers/:id', summary: 'Update a customer (JSON merge patch)', tag, access: write, body: CustomerPatch,
    response: { status: 200, schema: Customer }, errors: [409],
    handle: async ({ params, body, auth, services }) => ({ status: 200, body: presentCustomer(await updateCustomer(services, auth, params.id, body)) }),
  }),
  route({
    method: 'delete', path: '/v1/customers/:id', summary: 'Delete a customer (orders keep their customer_id)', tag, access: write,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteCustomer(services, auth, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'get', path: '/v1/customers/:id/addresses', summary: 'List a customer\'s addresses', tag, access: read, query: ListQuery,
    response: { status: 200, schema: listOf(Address) },
    handle: async ({ params, query, auth, services }) => {
      const rows = await listAddresses(services, auth, params.id, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentAddress) };
    },
  }),
  route({
    method: 'post', path: '/v1/customers/:id/addresses', summary: 'Add an address to a customer (at most 10; records customer.updated)', tag, access: write,
    body: NewAddress, response: { status: 201, schema: Address }, errors: [422],
    handle: async ({ params, body, auth, services }) => ({ status: 201, body: presentAddress(await addAddress(services, auth, params.id, body)) }),
  }),
  route({
    method: 'patch', path: '/v1/customers/:id/addresses/:address_id', summary: 'Update a customer\'s address (JSON merge patch; records customer.updated)',
    tag, access: write, body: AddressPatch, response: { status: 200, schema: Address },
    handle: async ({ params, body, auth, services }) => ({
      status: 200, body: presentAddress(await updateAddress(services, auth, params.id, params.address_id, body)),
    }),
  }),
  route({
    method: 'delete', path: '/v1/customers/:id/addresses/:address_id', summary: 'Delete a customer\'s address (records customer.updated)', tag, access: write,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await deleteAddress(services, auth, params.id, params.address_id);
      return { status: 204 };
    },
  }),
];
