// Settings per tenant and mode: the shop's name, default currency, time zone, locale, support
// email and order number prefix. Absent until first changed (the defaults apply); a change
// records settings.updated in the same transaction.
import type { ServiceContext } from '../context.ts';
import { ensureSettings, findSettings, lockSettings, updateSettings as updateSettingsRow, type SettingsRow } from '../db/settings.ts';
import { withTenant } from '../db/tenant.ts';
import { presentSettings } from '../presenters/settings.ts';
import type { TenantScope } from '../scope.ts';
import { recordUpdate } from './events.ts';
import { patched } from './resources.ts';

export interface SettingsPatch {
  shop_name?: string | null;
  currency?: string;
  timezone?: string;
  locale?: string;
  support_email?: string | null;
  order_number_prefix?: string;
}

export async function getSettings({ pool }: ServiceContext, scope: TenantScope): Promise<SettingsRow> {
  return withTenant(pool, scope, (tx) => findSettings(tx, scope));
}

/** A JSON merge patch; `shop_name: null` goes back to the tenant's name. */
export async function updateSettings({ pool }: ServiceContext, scope: TenantScope, patch: SettingsPatch): Promise<SettingsRow> {
  return withTenant(pool, scope, async (tx) => {
    await ensureSettings(tx, scope);
    await lockSettings(tx, scope);
    const before = await findSettings(tx, scope);
    await updateSettingsRow(tx, scope, {
      shop_name: patched(patch.shop_name, before.own_shop_name), currency: patched(patch.currency, before.currency),
      timezone: patched(patch.timezone, before.timezone), locale: patched(patch.locale, before.locale),
      support_email: patched(patch.support_email, before.support_email), order_number_prefix: patched(patch.order_number_prefix, before.order_number_prefix),
    });
    const after = await findSettings(tx, scope);
    await recordUpdate(tx, scope, 'settings.updated', presentSettings(before), presentSettings(after));
    return after;
  });
}
