// Settings per tenant and mode: the shop's name, default currency, time zone, locale, support
// email and order number prefix. Absent until first changed (the defaults apply); a change
// records settings.updated and its audit entry in the same transaction.
import type { ServiceContext } from '../context.ts';
import { tenantById } from '../db/crossTenant.ts';
import type { Tx } from '../db/pool.ts';
import { ensureSettings, findSettings, lockSettings, updateSettings as updateSettingsRow, type SettingsRow } from '../db/settings.ts';
import { withTenant } from '../db/tenant.ts';
import { presentSettings } from '../presenters/settings.ts';
import type { TenantScope } from '../scope.ts';
import { recordAudit } from './audit.ts';
import type { Auth } from './credentials.ts';
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

/** The settings as shown: a shop with no name of its own is called as its tenant. */
async function shownSettings(tx: Tx, scope: TenantScope): Promise<SettingsRow> {
  const stored = await findSettings(tx, scope);
  const shopName = stored.shop_name ?? (await tenantById(tx, scope.tenantId))!.name;
  return { ...stored, shop_name: shopName, own_shop_name: stored.shop_name };
}

export async function getSettings({ pool }: ServiceContext, scope: TenantScope): Promise<SettingsRow> {
  return withTenant(pool, scope, (tx) => shownSettings(tx, scope));
}

/** A JSON merge patch; `shop_name: null` goes back to the tenant's name. Recorded in the audit log. */
export async function updateSettings({ pool }: ServiceContext, auth: Auth, patch: SettingsPatch): Promise<SettingsRow> {
  return withTenant(pool, auth, async (tx) => {
    await ensureSettings(tx, auth);
    await lockSettings(tx, auth);
    const before = await shownSettings(tx, auth);
    await updateSettingsRow(tx, auth, {
      shop_name: patched(patch.shop_name, before.own_shop_name), currency: patched(patch.currency, before.currency),
      timezone: patched(patch.timezone, before.timezone), locale: patched(patch.locale, before.locale),
      support_email: patched(patch.support_email, before.support_email), order_number_prefix: patched(patch.order_number_prefix, before.order_number_prefix),
    });
    const after = await shownSettings(tx, auth);
    const [was, now] = [presentSettings(before), presentSettings(after)];
    await recordUpdate(tx, auth, 'settings.updated', was, now);
    const changed = (Object.keys(patch) as (keyof SettingsPatch)[]).filter((field) => was[field] !== now[field]);
    await recordAudit(tx, auth, {
      action: 'settings.updated', target: { type: 'settings' },
      data: { changed, from: Object.fromEntries(changed.map((f) => [f, was[f]])), to: Object.fromEntries(changed.map((f) => [f, now[f]])) },
    });
    return after;
  });
}
