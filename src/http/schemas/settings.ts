import { z } from 'zod';
import { Currency } from './commerce.ts';

const TIME_ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

export const SettingsPatch = z.strictObject({
  shop_name: z.string().trim().min(1).max(200).nullable().optional().describe('null: the tenant\'s name'),
  currency: Currency.optional(),
  timezone: z.string().max(100).refine((tz) => TIME_ZONES.has(tz), 'an IANA time zone such as Europe/Berlin').optional(),
  locale: z.string().max(35).refine((tag) => canonicalLocale(tag) !== undefined, 'a BCP 47 language tag such as en-US')
    .transform((tag) => canonicalLocale(tag)!).optional(),
  support_email: z.email().max(320).nullable().optional(),
  order_number_prefix: z.string().max(20).regex(/^[\x20-\x7e]*$/, 'printable ASCII').optional()
    .describe('Shown before each new order\'s number (orders keep the name they were given)'),
}).meta({ id: 'SettingsPatch' });
