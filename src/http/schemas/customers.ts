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
});

const Email = z.email().max(320);
const Addresses = z.array(NewAddress).max(10);

export const NewCustomer = z.strictObject({
  email: Email,
  name: z.string().trim().min(1).max(500).nullable().optional(),
  addresses: Addresses.optional(),
  metadata: Metadata.optional(),
});

export const CustomerPatch = z.strictObject({
  email: Email.optional(),
  name: z.string().trim().min(1).max(500).nullable().optional(),
  addresses: Addresses.nullable().optional().describe('Replaces the address list (null or [] removes all)'),
  metadata: MetadataPatch.optional(),
});

export const AddressPatch = z.strictObject({
  line1: Line.optional(),
  line2: Line.nullable().optional(),
  city: Line.optional(),
  state: Line.nullable().optional(),
  postal_code: z.string().trim().min(1).max(20).nullable().optional(),
  country: Country.optional(),
});
