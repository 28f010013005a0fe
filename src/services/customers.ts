// Customers and their addresses. Every write records its event in the same transaction.
// Deleting is soft: the customer leaves every read and its email is freed; orders keep customer_id.
import type { Pool } from '../db/pool.ts';
import {
  deleteAddresses, findCustomer, insertAddresses, insertCustomer, listCustomers as listCustomerRows, softDeleteCustomer,
  updateCustomer as updateCustomerRow, type AddressFields, type CustomerRow,
} from '../db/customers.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant, type TenantScope } from '../db/tenant.ts';
import { notFound } from '../errors.ts';
import { presentCustomer } from '../http/presenters/customers.ts';
import { isId, newId } from '../ids.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { duplicateAs, mergeMetadata, patched, type Metadata, type MetadataPatch } from './resources.ts';

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

export async function createCustomer(pool: Pool, scope: TenantScope, input: NewCustomer): Promise<CustomerRow> {
  return withTenant(pool, scope, async (tx) => {
    const customer = await insertCustomer(tx, scope, newId('customer'), { email: input.email, name: input.name ?? null, metadata: input.metadata ?? {} });
    const row = { ...customer, addresses: await addAddresses(tx, scope, customer.id, input.addresses ?? []) };
    await recordEvent(tx, scope, 'customer.created', presentCustomer(row));
    return row;
  }).catch(duplicateEmail);
}

/** Newest first; returns up to limit + 1 rows. */
export async function listCustomers(pool: Pool, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CustomerRow[]> {
  return withTenant(pool, scope, (tx) => listCustomerRows(tx, { ...page, limit: page.limit + 1 }));
}

export async function getCustomer(pool: Pool, scope: TenantScope, id: string): Promise<CustomerRow> {
  const customer = isId('customer', id) ? await withTenant(pool, scope, (tx) => findCustomer(tx, id)) : undefined;
  if (!customer) throw notFound('no such customer');
  return customer;
}

/** A JSON merge patch; `addresses` replaces the list. */
export async function updateCustomer(pool: Pool, scope: TenantScope, id: string, patch: CustomerPatch): Promise<CustomerRow> {
  if (!isId('customer', id)) throw notFound('no such customer');
  return withTenant(pool, scope, async (tx) => {
    const before = await findCustomer(tx, id, { forUpdate: true });
    if (!before) throw notFound('no such customer');
    await updateCustomerRow(tx, id, {
      email: patched(patch.email, before.email), name: patched(patch.name, before.name), metadata: mergeMetadata(before.metadata, patch.metadata),
    });
    if (patch.addresses !== undefined) {
      await deleteAddresses(tx, id);
      await addAddresses(tx, scope, id, patch.addresses ?? []);
    }
    const after = (await findCustomer(tx, id))!;
    await recordUpdate(tx, scope, 'customer.updated', presentCustomer(before), presentCustomer(after));
    return after;
  }).catch(duplicateEmail);
}

export async function deleteCustomer(pool: Pool, scope: TenantScope, id: string): Promise<void> {
  if (!isId('customer', id)) throw notFound('no such customer');
  await withTenant(pool, scope, async (tx) => {
    const customer = await findCustomer(tx, id, { forUpdate: true });
    if (!customer) throw notFound('no such customer');
    await softDeleteCustomer(tx, id);
    await recordEvent(tx, scope, 'customer.deleted', presentCustomer(customer));
  });
}
