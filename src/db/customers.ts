// customers and their addresses: tenant-scoped; every function runs inside withTenant and names
// its tenant and mode itself too.
// Reads skip soft-deleted customers; addresses are read with their customer in one statement.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';
import { columns } from './unnest.ts';

export interface AddressFields {
  line1: string;
  line2: string | null;
  city: string;
  state: string | null;
  postal_code: string | null;
  country: string;
}

export interface AddressRow extends AddressFields {
  id: string;
}

export interface CustomerFields {
  email: string;
  name: string | null;
  metadata: Record<string, string>;
}

export interface CustomerRow extends CustomerFields {
  tenant_id: string;
  id: string;
  mode: Mode;
  created_at: Date;
  updated_at: Date;
  addresses: AddressRow[];
}

const CUSTOMER_COLUMNS = 'c.tenant_id, c.id, c.mode, c.email, c.name, c.metadata, c.created_at, c.updated_at';
const ADDRESS_COLUMNS = 'id, line1, line2, city, state, postal_code, country';
const SELECT_CUSTOMER = `select ${CUSTOMER_COLUMNS},
  coalesce((select json_agg(json_build_object('id', a.id, 'line1', a.line1, 'line2', a.line2, 'city', a.city, 'state', a.state,
                                              'postal_code', a.postal_code, 'country', a.country) order by a.position)
              from customer_addresses a
             where a.tenant_id = c.tenant_id and a.mode = c.mode and a.customer_id = c.id), '[]') as addresses
  from customers c`;

export async function insertCustomer(tx: Tx, scope: TenantScope, id: string, c: CustomerFields): Promise<Omit<CustomerRow, 'addresses'>> {
  const { rows } = await tx.query(
    `insert into customers as c (tenant_id, id, mode, email, name, metadata)
     values ($1::uuid, $2, $3, $4, $5, $6::jsonb) returning ${CUSTOMER_COLUMNS}`,
    [scope.tenantId, id, scope.mode, c.email, c.name, JSON.stringify(c.metadata)],
  );
  return rows[0];
}

export async function insertAddresses(tx: Tx, scope: TenantScope, customerId: string, addresses: (AddressFields & { id: string; position: number })[]): Promise<AddressRow[]> {
  if (addresses.length === 0) return [];
  const { rows } = await tx.query(
    `insert into customer_addresses (tenant_id, mode, customer_id, id, position, line1, line2, city, state, postal_code, country)
     select $1::uuid, $2, $3, * from unnest($4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
     returning ${ADDRESS_COLUMNS}`,
    [scope.tenantId, scope.mode, customerId, ...columns(addresses, ['id', 'position', 'line1', 'line2', 'city', 'state', 'postal_code', 'country'])],
  );
  return rows;
}

export async function deleteAddresses(tx: Tx, scope: TenantScope, customerId: string): Promise<void> {
  await tx.query('delete from customer_addresses where tenant_id = $1::uuid and mode = $2 and customer_id = $3', [scope.tenantId, scope.mode, customerId]);
}

export async function findCustomer(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<CustomerRow | undefined> {
  const { rows } = await tx.query(
    `${SELECT_CUSTOMER} where c.tenant_id = $1::uuid and c.mode = $2 and c.id = $3 and c.deleted_at is null${options.forUpdate ? ' for update of c' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

export async function listCustomers(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CustomerRow[]> {
  const { rows } = await tx.query(
    `${SELECT_CUSTOMER}
      where c.tenant_id = $1::uuid and c.mode = $2 and c.deleted_at is null
        and ($4::text is null or (c.created_at, c.id) < (select created_at, id from customers where tenant_id = $1::uuid and id = $4))
      order by c.created_at desc, c.id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function updateCustomer(tx: Tx, scope: TenantScope, id: string, c: CustomerFields): Promise<void> {
  await tx.query(
    `update customers set email = $4, name = $5, metadata = $6::jsonb, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null`,
    [scope.tenantId, scope.mode, id, c.email, c.name, JSON.stringify(c.metadata)],
  );
}

export async function softDeleteCustomer(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update customers set deleted_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
}

export async function customerExists(tx: Tx, scope: TenantScope, id: string): Promise<boolean> {
  const { rows } = await tx.query(
    'select 1 from customers where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
  return rows.length > 0;
}

/** The customer's addresses, newest first; up to `limit` rows. */
export async function listAddresses(tx: Tx, scope: TenantScope, customerId: string, page: { limit: number; startingAfter?: string }): Promise<AddressRow[]> {
  const { rows } = await tx.query(
    `select ${ADDRESS_COLUMNS} from customer_addresses
      where tenant_id = $1::uuid and mode = $2 and customer_id = $3
        and ($5::text is null or (created_at, id) < (select created_at, id from customer_addresses where tenant_id = $1::uuid and id = $5))
      order by created_at desc, id desc limit $4`,
    [scope.tenantId, scope.mode, customerId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function findAddress(tx: Tx, scope: TenantScope, customerId: string, id: string): Promise<AddressRow | undefined> {
  const { rows } = await tx.query(
    `select ${ADDRESS_COLUMNS} from customer_addresses where tenant_id = $1::uuid and mode = $2 and customer_id = $3 and id = $4`,
    [scope.tenantId, scope.mode, customerId, id],
  );
  return rows[0];
}

/** How many addresses the customer has, and the position after the last one. */
export async function addressSlots(tx: Tx, scope: TenantScope, customerId: string): Promise<{ count: number; next_position: number }> {
  const { rows } = await tx.query(
    `select count(*)::int as count, coalesce(max(position) + 1, 0)::int as next_position from customer_addresses
      where tenant_id = $1::uuid and mode = $2 and customer_id = $3`,
    [scope.tenantId, scope.mode, customerId],
  );
  return rows[0];
}

export async function updateAddress(tx: Tx, scope: TenantScope, customerId: string, id: string, a: AddressFields): Promise<AddressRow | undefined> {
  const { rows } = await tx.query(
    `update customer_addresses set line1 = $5, line2 = $6, city = $7, state = $8, postal_code = $9, country = $10
      where tenant_id = $1::uuid and mode = $2 and customer_id = $3 and id = $4 returning ${ADDRESS_COLUMNS}`,
    [scope.tenantId, scope.mode, customerId, id, a.line1, a.line2, a.city, a.state, a.postal_code, a.country],
  );
  return rows[0];
}

export async function deleteAddress(tx: Tx, scope: TenantScope, customerId: string, id: string): Promise<void> {
  await tx.query(
    'delete from customer_addresses where tenant_id = $1::uuid and mode = $2 and customer_id = $3 and id = $4',
    [scope.tenantId, scope.mode, customerId, id],
  );
}

/** Marks the customer changed (one of its addresses changed): bumps updated_at. */
export async function touchCustomer(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update customers set updated_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
}

/** The undeleted customer with this email (case-insensitive), if any: a storefront order is linked to it. */
export async function findCustomerIdByEmail(tx: Tx, scope: TenantScope, email: string): Promise<string | undefined> {
  const { rows } = await tx.query(
    'select id from customers where tenant_id = $1::uuid and mode = $2 and lower(email) = lower($3) and deleted_at is null',
    [scope.tenantId, scope.mode, email],
  );
  return rows[0]?.id;
}
