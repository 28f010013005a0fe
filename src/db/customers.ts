// customers and their addresses: tenant-scoped; every function runs inside withTenant.
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
             where a.tenant_id = c.tenant_id and a.customer_id = c.id), '[]') as addresses
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

export async function deleteAddresses(tx: Tx, customerId: string): Promise<void> {
  await tx.query('delete from customer_addresses where customer_id = $1', [customerId]);
}

export async function findCustomer(tx: Tx, id: string, options: { forUpdate?: boolean } = {}): Promise<CustomerRow | undefined> {
  const { rows } = await tx.query(
    `${SELECT_CUSTOMER} where c.id = $1 and c.deleted_at is null${options.forUpdate ? ' for update of c' : ''}`,
    [id],
  );
  return rows[0];
}

export async function listCustomers(tx: Tx, page: { limit: number; startingAfter?: string }): Promise<CustomerRow[]> {
  const { rows } = await tx.query(
    `${SELECT_CUSTOMER}
      where c.deleted_at is null
        and ($2::text is null or (c.created_at, c.id) < (select created_at, id from customers where id = $2))
      order by c.created_at desc, c.id desc limit $1`,
    [page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function updateCustomer(tx: Tx, id: string, c: CustomerFields): Promise<void> {
  await tx.query(
    `update customers set email = $2, name = $3, metadata = $4::jsonb, updated_at = clock_timestamp()
      where id = $1 and deleted_at is null`,
    [id, c.email, c.name, JSON.stringify(c.metadata)],
  );
}

export async function softDeleteCustomer(tx: Tx, id: string): Promise<void> {
  await tx.query('update customers set deleted_at = clock_timestamp() where id = $1 and deleted_at is null', [id]);
}

export async function customerExists(tx: Tx, id: string): Promise<boolean> {
  const { rows } = await tx.query('select 1 from customers where id = $1 and deleted_at is null', [id]);
  return rows.length > 0;
}

/** The customer's addresses, newest first; up to `limit` rows. */
export async function listAddresses(tx: Tx, customerId: string, page: { limit: number; startingAfter?: string }): Promise<AddressRow[]> {
  const { rows } = await tx.query(
    `select ${ADDRESS_COLUMNS} from customer_addresses
      where customer_id = $1 and ($3::text is null or (created_at, id) < (select created_at, id from customer_addresses where id = $3))
      order by created_at desc, id desc limit $2`,
    [customerId, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function findAddress(tx: Tx, customerId: string, id: string): Promise<AddressRow | undefined> {
  const { rows } = await tx.query(`select ${ADDRESS_COLUMNS} from customer_addresses where customer_id = $1 and id = $2`, [customerId, id]);
  return rows[0];
}

/** How many addresses the customer has, and the position after the last one. */
export async function addressSlots(tx: Tx, customerId: string): Promise<{ count: number; next_position: number }> {
  const { rows } = await tx.query(
    'select count(*)::int as count, coalesce(max(position) + 1, 0)::int as next_position from customer_addresses where customer_id = $1',
    [customerId],
  );
  return rows[0];
}

export async function updateAddress(tx: Tx, customerId: string, id: string, a: AddressFields): Promise<AddressRow | undefined> {
  const { rows } = await tx.query(
    `update customer_addresses set line1 = $3, line2 = $4, city = $5, state = $6, postal_code = $7, country = $8
      where customer_id = $1 and id = $2 returning ${ADDRESS_COLUMNS}`,
    [customerId, id, a.line1, a.line2, a.city, a.state, a.postal_code, a.country],
  );
  return rows[0];
}

export async function deleteAddress(tx: Tx, customerId: string, id: string): Promise<void> {
  await tx.query('delete from customer_addresses where customer_id = $1 and id = $2', [customerId, id]);
}

/** Marks the customer changed (one of its addresses changed): bumps updated_at. */
export async function touchCustomer(tx: Tx, id: string): Promise<void> {
  await tx.query('update customers set updated_at = clock_timestamp() where id = $1 and deleted_at is null', [id]);
}

/** The undeleted customer with this email (case-insensitive), if any: a storefront order is linked to it. */
export async function findCustomerIdByEmail(tx: Tx, email: string): Promise<string | undefined> {
  const { rows } = await tx.query('select id from customers where lower(email) = lower($1) and deleted_at is null', [email]);
  return rows[0]?.id;
}
