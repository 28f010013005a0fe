import { z } from 'zod';
import type { AddressRow, CustomerRow } from '../db/customers.ts';
import { Metadata } from './fields.ts';

export const Address = z.object({
  id: z.string(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  country: z.string().describe('ISO 3166-1 alpha-2'),
}).meta({ id: 'Address', description: 'A customer\'s address' });

export const Customer = z.object({
  id: z.string(),
  object: z.literal('customer'),
  email: z.string(),
  name: z.string().nullable(),
  addresses: z.array(Address),
  metadata: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Customer', description: 'A customer with its addresses' });

export const presentAddress = (a: AddressRow): z.infer<typeof Address> => ({
  id: a.id, line1: a.line1, line2: a.line2, city: a.city, state: a.state, postal_code: a.postal_code, country: a.country,
});

export function presentCustomer(row: CustomerRow): z.infer<typeof Customer> {
  return {
    id: row.id, object: 'customer', email: row.email, name: row.name, addresses: row.addresses.map(presentAddress), metadata: row.metadata,
    created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}
