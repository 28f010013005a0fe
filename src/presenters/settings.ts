import { z } from 'zod';
import type { SettingsRow } from '../db/settings.ts';
import { MODES } from '../scope.ts';
import { iso } from './fields.ts';

export const Settings = z.object({
  object: z.literal('settings'),
  mode: z.enum(MODES),
  shop_name: z.string().describe('Defaults to the tenant\'s name'),
  currency: z.string().describe('The shop\'s default currency (ISO 4217)'),
  timezone: z.string().describe('IANA time zone, e.g. Europe/Berlin'),
  locale: z.string().describe('BCP 47 language tag, e.g. en-US'),
  support_email: z.string().nullable(),
  order_number_prefix: z.string().describe('Shown before an order\'s number in its name, e.g. # → #1001'),
  updated_at: z.string().nullable().describe('null until first changed'),
}).meta({ id: 'Settings', description: 'The shop\'s settings in one mode' });

/** The public subset a storefront shows (GET /storefront/v1/shop). */
export const Shop = z.object({
  object: z.literal('shop'),
  name: z.string(),
  currency: z.string(),
  timezone: z.string(),
  locale: z.string(),
  support_email: z.string().nullable(),
}).meta({ id: 'Shop', description: 'The public settings of a shop' });

export function presentSettings(row: SettingsRow): z.infer<typeof Settings> {
  return {
    object: 'settings', mode: row.mode, shop_name: row.shop_name, currency: row.currency, timezone: row.timezone, locale: row.locale,
    support_email: row.support_email, order_number_prefix: row.order_number_prefix, updated_at: iso(row.updated_at),
  };
}

export const presentShop = (row: SettingsRow): z.infer<typeof Shop> => ({
  object: 'shop', name: row.shop_name, currency: row.currency, timezone: row.timezone, locale: row.locale, support_email: row.support_email,
});
