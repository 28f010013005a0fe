// Input fields shared by the commerce resources.
import { z } from 'zod';
import { MAX_METADATA_KEYS } from '../../services/resources.ts';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

export const Currency = z.string()
  .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
  .refine((c) => CURRENCIES.has(c.toUpperCase()), 'not an ISO 4217 currency code')
  .transform((c) => c.toUpperCase())
  .describe('ISO 4217 code, e.g. USD (any case; stored upper case)');

export const Country = z.string()
  .regex(/^[A-Za-z]{2}$/, 'a two-letter ISO 3166-1 code')
  // zod runs this check after a failed regex too, and DisplayNames throws on what is not a region code.
  .refine((c) => /^[A-Za-z]{2}$/.test(c) && c.toUpperCase() !== 'ZZ' && regionNames.of(c.toUpperCase()) !== c.toUpperCase(), 'not an ISO 3166-1 country code')
  .transform((c) => c.toUpperCase())
  .describe('ISO 3166-1 alpha-2, e.g. DE');

export const MAX_AMOUNT = 99_999_999;
export const Amount = z.number().int().min(0).max(MAX_AMOUNT).describe('Integer in minor units of the currency (cents for USD)');

/**
 * zod leaves a "__proto__" key out of the record it returns (assigning it would set the
 * prototype), so the key is refused before parsing rather than dropped silently.
 */
export function refusingProtoKey<T extends z.ZodType>(record: T) {
  return z.preprocess((value, ctx) => {
    if (value && typeof value === 'object' && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'the key "__proto__" is not allowed', input: value });
    }
    return value;
  }, record);
}

const MetadataKey = z.string().min(1).max(40);
const fewKeys = (m: Record<string, unknown> | null) => !m || Object.keys(m).length <= MAX_METADATA_KEYS;

export const Metadata = refusingProtoKey(z.record(MetadataKey, z.string().max(500))
  .refine(fewKeys, `at most ${MAX_METADATA_KEYS} keys`)
  .describe('Up to 50 string values under keys of at most 40 characters'));

export const MetadataPatch = refusingProtoKey(z.record(MetadataKey, z.string().max(500).nullable())
  .nullable()
  .refine(fewKeys, `at most ${MAX_METADATA_KEYS} keys`)
  .describe('Merged into the current metadata: a null value removes its key, null removes all'));

/** A resource id in a path or body: at most 64 characters (the real shape is checked by the service). */
export const ResourceId = z.string().min(1).max(64);
