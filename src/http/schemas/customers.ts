import { z } from 'zod';
import { Country, Metadata, MetadataPatch } from './commerce.ts';

const Line = z.string().trim().min(1).max(200);

export const NewAddress = z.strictObject({
  line1: Line,
  line2: Line.nullable().optional(),
  city: Line,
  state: Line.nullable().optional(),
  postal_code: z.string().trim().min(1).max(20).nullable().optional(),
  country: Country,
}).meta({ id: 'NewAddress' });

const Email = z.email().max(320);
const Addresses = z.array(NewAddress).max(10);

export const NewCustomer = z.strictObject({
  email: Email,
  name: z.string().trim().min(1).max(500).nullable().optional(),
  addresses: Addresses.optional(),
  metadata: Metadata.optional(),
}).meta({ id: 'NewCustomer', description: 'A new customer',
  examples: [{ email: 'ada@example.com', name: 'Ada Lovelace', addresses: [{ line1: '12 St James\'s Square', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' }] }] });

export const CustomerPatch = z.strictObject({
  email: Email.optional(),
  name: z.string().trim().min(1).max(500).nullable().optional(),
  addresses: Addresses.nullable().optional().describe('Replaces the address list (null or [] removes all)'),
  metadata: MetadataPatch.optional(),
}).meta({ id: 'CustomerPatch' });

export const AddressPatch = z.strictObject({
  line1: Line.optional(),
  line2: Line.nullable().optional(),
  city: Line.optional(),
  state: Line.nullable().optional(),
  postal_code: z.string().trim().min(1).max(20).nullable().optional(),
  country: Country.optional(),
}).meta({ id: 'AddressPatch' });
