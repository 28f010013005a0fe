// Customers and their addresses. Every write records its event in the same transaction.
// Deleting is soft: the customer leaves every read and its email is freed; orders keep customer_id.
import type { ServiceContext } from '../context.ts';
import {
  deleteAddresses, findCustomer, insertAddresses, insertCustomer, listCustomers as listCustomerRows, softDeleteCustomer,
  updateCustomer as updateCustomerRow, type AddressFields, type CustomerRow,
} from '../db/customers.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { newId } from '../ids.ts';
import { presentCustomer } from '../presenters/customers.ts';
import type { TenantScope } from '../scope.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { duplicateAs, findOr404, mergeMetadata, patched, type Metadata, type MetadataPatch } from './resources.ts';

type AddressInput = Partial<Pick<AddressFields, 'line2' | 'state' | 'postal_code'>> & Pick<AddressFields, 'line1' | 'city' | 'country'>;

export interface NewCustomer {
  email: string;
  name?: string | null;
  addresses?: AddressInput[];
  metadata?: Metadata;
}

export interface CustomerPatch {
  email?: string;
  name?: string | null;
  addresses?: AddressInput[] | null;
  metadata?: MetadataPatch;
}

const duplicateEmail = duplicateAs({ customers_email: 'a customer with this email already exists' });

function addAddresses(tx: Tx, scope: TenantScope, customerId: string, addresses: AddressInput[]) {
  return insertAddresses(tx, scope, customerId, addresses.map((a, position) => ({
    id: newId('address'), position, line1: a.line1, line2: a.line2 ?? null, city: a.city, state: a.state ?? null,
    postal_code: a.postal_code ?? null, country: a.country,
  })));
}

export async function createCustomer({ pool }: ServiceContext, scope: TenantScope, input: NewCustomer): Promise<CustomerRow> {
  return withTenant(pool, scope, async (tx) => {
    const customer = await insertCustomer(tx, scope, newId('customer'), { email: input.email, name: input.name ?? null, metadata: input.metadata ?? {} });
    const row = { ...customer, addresses: await addAddresses(tx, scope, customer.id, input.addresses ?? []) };
    await recordEvent(tx, scope, 'customer.created', presentCustomer(row));
    return row;
  }).catch(duplicateEmail);
}

/** Newest first; returns up to limit + 1 rows. */
export async function listCustomers({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CustomerRow[]> {
  return withTenant(pool, scope, (tx) => listCustomerRows(tx, scope, { ...page, limit: page.limit + 1 }));
}

export async function getCustomer({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<CustomerRow> {
  return withTenant(pool, scope, (tx) => findOr404('customer', id, (id) => findCustomer(tx, scope, id)));
}

/** A JSON merge patch; `addresses` replaces the list. */
export async function updateCustomer({ pool }: ServiceContext, scope: TenantScope, id: string, patch: CustomerPatch): Promise<CustomerRow> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('customer', id, (id) => findCustomer(tx, scope, id, { forUpdate: true }));
    await updateCustomerRow(tx, scope, id, {
      email: patched(patch.email, before.email), name: patched(patch.name, before.name), metadata: mergeMetadata(before.metadata, patch.metadata),
    });
    if (patch.addresses !== undefined) {
      await deleteAddresses(tx, scope, id);
      await addAddresses(tx, scope, id, patch.addresses ?? []);
    }
    const after = (await findCustomer(tx, scope, id))!;
    await recordUpdate(tx, scope, 'customer.updated', presentCustomer(before), presentCustomer(after));
    return after;
  }).catch(duplicateEmail);
}

export async function deleteCustomer({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    const customer = await findOr404('customer', id, (id) => findCustomer(tx, scope, id, { forUpdate: true }));
    await softDeleteCustomer(tx, scope, id);
    await recordEvent(tx, scope, 'customer.deleted', presentCustomer(customer));
  });
}
