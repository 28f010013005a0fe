// discounts (automatic, no code): tenant-scoped; every function runs inside withTenant and names its
// tenant and mode itself too.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

export interface DiscountTerms {
  name: string;
  product_ids: string[] | null;
  min_subtotal: number | null;
  starts_at: Date | null;
  ends_at: Date | null;
  active: boolean;
  metadata: Record<string, string>;
}

export interface DiscountFields extends DiscountTerms {
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
}

export interface DiscountRow extends DiscountFields {
  tenant_id: string;
  id: string;
  mode: Mode;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `tenant_id, id, mode, name, percent_off, amount_off, currency, product_ids, min_subtotal, starts_at, ends_at, active,
  metadata, created_at, updated_at`;

export async function insertDiscount(tx: Tx, scope: TenantScope, id: string, d: DiscountFields): Promise<DiscountRow> {
  const { rows } = await tx.query(
    `insert into discounts (tenant_id, id, mode, name, percent_off, amount_off, currency, product_ids, min_subtotal, starts_at, ends_at, active, metadata)
     values ($1::uuid, $2, $3, $4, $5::int, $6::bigint, $7, $8::text[], $9::bigint, $10::timestamptz, $11::timestamptz, $12, $13::jsonb)
     returning ${COLUMNS}`,
    [scope.tenantId, id, scope.mode, d.name, d.percent_off, d.amount_off, d.currency, d.product_ids, d.min_subtotal, d.starts_at, d.ends_at,
      d.active, JSON.stringify(d.metadata)],
  );
  return rows[0];
}

export async function findDiscount(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<DiscountRow | undefined> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from discounts where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null${options.forUpdate ? ' for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

export async function listDiscounts(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<DiscountRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from discounts
      where tenant_id = $1::uuid and mode = $2 and deleted_at is null
        and ($4::text is null or (created_at, id) < (select created_at, id from discounts where tenant_id = $1::uuid and id = $4))
      order by created_at desc, id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function updateDiscountTerms(tx: Tx, scope: TenantScope, id: string, d: DiscountTerms): Promise<DiscountRow | undefined> {
  const { rows } = await tx.query(
    `update discounts set name = $4, product_ids = $5::text[], min_subtotal = $6::bigint, starts_at = $7::timestamptz, ends_at = $8::timestamptz,
            active = $9, metadata = $10::jsonb, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, id, d.name, d.product_ids, d.min_subtotal, d.starts_at, d.ends_at, d.active, JSON.stringify(d.metadata)],
  );
  return rows[0];
}

export async function softDeleteDiscount(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update discounts set deleted_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null',
    [scope.tenantId, scope.mode, id],
  );
}

/** Active, undeleted discounts inside their window at `now` that may apply in `currency`, oldest first. */
export async function liveDiscounts(tx: Tx, scope: TenantScope, currency: string, now: Date): Promise<DiscountRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from discounts
      where tenant_id = $1::uuid and mode = $2 and deleted_at is null and active and (currency is null or currency = $3)
        and (starts_at is null or starts_at <= $4) and (ends_at is null or ends_at > $4)
      order by created_at, id`,
    [scope.tenantId, scope.mode, currency, now],
  );
  return rows;
}
