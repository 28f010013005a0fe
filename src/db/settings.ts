// settings: one row per tenant and mode (absent until first changed: the defaults apply); every
// function runs inside withTenant and names its tenant and mode itself too. The shop's name
// defaults to the tenant's, which the service reads from the global tenants table
// (src/db/crossTenant.ts): herald_app cannot read that table here.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

export interface SettingsFields {
  /** null: the tenant's name. */
  shop_name: string | null;
  currency: string;
  timezone: string;
  locale: string;
  support_email: string | null;
  order_number_prefix: string;
}

/** As stored, or the defaults while never saved. */
export interface StoredSettings extends SettingsFields {
  mode: Mode;
  created_at: Date | null;
  updated_at: Date | null;
}

export interface SettingsRow extends Omit<StoredSettings, 'shop_name'> {
  /** As shown: the stored name, or the tenant's. */
  shop_name: string;
  /** As stored. */
  own_shop_name: string | null;
}

// One row whether or not the tenant ever saved its settings: the stored values over the defaults.
const SELECT_SETTINGS = `select $2::text as mode, s.shop_name, coalesce(s.currency, 'USD') as currency,
    coalesce(s.timezone, 'UTC') as timezone, coalesce(s.locale, 'en') as locale, s.support_email,
    coalesce(s.order_number_prefix, '#') as order_number_prefix, s.created_at, s.updated_at
  from (values (1)) as one (x) left join settings s on s.tenant_id = $1::uuid and s.mode = $2`;

export async function findSettings(tx: Tx, scope: TenantScope): Promise<StoredSettings> {
  const { rows } = await tx.query(SELECT_SETTINGS, [scope.tenantId, scope.mode]);
  return rows[0];
}

/** Creates the tenant's settings row with the defaults if it is not there yet, so that it can be locked. */
export async function ensureSettings(tx: Tx, scope: TenantScope): Promise<void> {
  await tx.query('insert into settings (tenant_id, mode) values ($1::uuid, $2) on conflict do nothing', [scope.tenantId, scope.mode]);
}

/** Locks the tenant's settings row for a change (ensureSettings first). */
export async function lockSettings(tx: Tx, scope: TenantScope): Promise<void> {
  await tx.query('select 1 from settings where tenant_id = $1::uuid and mode = $2 for update', [scope.tenantId, scope.mode]);
}

export async function updateSettings(tx: Tx, scope: TenantScope, s: SettingsFields): Promise<void> {
  await tx.query(
    `update settings set shop_name = $3, currency = $4, timezone = $5, locale = $6, support_email = $7, order_number_prefix = $8,
            updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2`,
    [scope.tenantId, scope.mode, s.shop_name, s.currency, s.timezone, s.locale, s.support_email, s.order_number_prefix],
  );
}
