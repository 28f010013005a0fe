// Customers and their addresses. Every write records its event in the same transaction.
// Deleting is soft: the customer leaves every read and its email is freed; orders keep customer_id.
import type { ServiceContext } from '../context.ts';
import {
  addressSlots, deleteAddress as deleteAddressRow, deleteAddresses, findAddress, findCustomer, insertAddresses, insertCustomer,
  listAddresses as listAddressRows, listCustomers as listCustomerRows, softDeleteCustomer, touchCustomer, updateAddress as updateAddressRow,
  updateCustomer as updateCustomerRow, type AddressFields, type AddressRow, type CustomerRow,
} from '../db/customers.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { unprocessable } from '../errors.ts';
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

/** As many as a customer may be created with. */
export const MAX_ADDRESSES = 10;

function addAddresses(tx: Tx, scope: TenantScope, customerId: string, addresses: AddressInput[], firstPosition = 0) {
  return insertAddresses(tx, scope, customerId, addresses.map((a, i) => ({
    id: newId('address'), position: firstPosition + i, line1: a.line1, line2: a.line2 ?? null, city: a.city, state: a.state ?? null,
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

/** The customer's addresses, newest first; returns up to limit + 1 rows. */
export async function listAddresses({ pool }: ServiceContext, scope: TenantScope, customerId: string, page: { limit: number; startingAfter?: string }): Promise<AddressRow[]> {
  return withTenant(pool, scope, async (tx) => {
    await findOr404('customer', customerId, (id) => findCustomer(tx, scope, id));
    return listAddressRows(tx, scope, customerId, { ...page, limit: page.limit + 1 });
  });
}

export async function addAddress(services: ServiceContext, scope: TenantScope, customerId: string, input: AddressInput): Promise<AddressRow> {
  return changingCustomer(services, scope, customerId, async (tx) => {
    const slots = await addressSlots(tx, scope, customerId);
    if (slots.count >= MAX_ADDRESSES) throw unprocessable(`a customer has at most ${MAX_ADDRESSES} addresses`);
    return (await addAddresses(tx, scope, customerId, [input], slots.next_position))[0];
  });
}

/** A JSON merge patch of one address; an address of another customer is a 404. */
export async function updateAddress(
  services: ServiceContext, scope: TenantScope, customerId: string, id: string, patch: Partial<AddressInput>,
): Promise<AddressRow> {
  return changingCustomer(services, scope, customerId, async (tx) => {
    const before = await findOr404('address', id, (id) => findAddress(tx, scope, customerId, id));
    return (await updateAddressRow(tx, scope, customerId, id, {
      line1: patched(patch.line1, before.line1), line2: patched(patch.line2, before.line2), city: patched(patch.city, before.city),
      state: patched(patch.state, before.state), postal_code: patched(patch.postal_code, before.postal_code), country: patched(patch.country, before.country),
    }))!;
  });
}

export async function deleteAddress(services: ServiceContext, scope: TenantScope, customerId: string, id: string): Promise<void> {
  await changingCustomer(services, scope, customerId, async (tx) => {
    await findOr404('address', id, (id) => findAddress(tx, scope, customerId, id));
    await deleteAddressRow(tx, scope, customerId, id);
  });
}

/** Runs `change` with the customer locked, then bumps it and records customer.updated (before → after). */
async function changingCustomer<T>({ pool }: ServiceContext, scope: TenantScope, customerId: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404('customer', customerId, (id) => findCustomer(tx, scope, id, { forUpdate: true }));
    const result = await change(tx);
    await touchCustomer(tx, scope, customerId);
    await recordUpdate(tx, scope, 'customer.updated', presentCustomer(before), presentCustomer((await findCustomer(tx, scope, customerId))!));
    return result;
  });
}
