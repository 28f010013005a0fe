// coupons: tenant-scoped; every function runs inside withTenant and names its tenant and mode
// itself too. Codes are case-insensitive.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

export interface CouponTerms {
  valid_from: Date | null;
  valid_until: Date | null;
  max_redemptions: number | null;
  metadata: Record<string, string>;
}

export interface CouponFields extends CouponTerms {
  code: string;
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
}

export interface CouponRow extends CouponFields {
  tenant_id: string;
  id: string;
  mode: Mode;
  times_redeemed: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `tenant_id, id, mode, code, percent_off, amount_off, currency, valid_from, valid_until, max_redemptions,
  times_redeemed, metadata, created_at, updated_at`;

export async function insertCoupon(tx: Tx, scope: TenantScope, id: string, c: CouponFields): Promise<CouponRow> {
  const { rows } = await tx.query(
    `insert into coupons (tenant_id, id, mode, code, percent_off, amount_off, currency, valid_from, valid_until, max_redemptions, metadata)
     values ($1::uuid, $2, $3, $4, $5::int, $6::bigint, $7, $8::timestamptz, $9::timestamptz, $10::int, $11::jsonb) returning ${COLUMNS}`,
    [scope.tenantId, id, scope.mode, c.code, c.percent_off, c.amount_off, c.currency, c.valid_from, c.valid_until, c.max_redemptions, JSON.stringify(c.metadata)],
  );
  return rows[0];
}

const SCOPED = 'tenant_id = $1::uuid and mode = $2';

export async function findCoupon(tx: Tx, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<CouponRow | undefined> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from coupons where ${SCOPED} and id = $3 and deleted_at is null${options.forUpdate ? ' for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

export async function findCouponByCode(tx: Tx, scope: TenantScope, code: string): Promise<CouponRow | undefined> {
  const { rows } = await tx.query(`select ${COLUMNS} from coupons where ${SCOPED} and lower(code) = lower($3) and deleted_at is null`, [scope.tenantId, scope.mode, code]);
  return rows[0];
}

export async function listCoupons(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<CouponRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from coupons
      where ${SCOPED} and deleted_at is null
        and ($4::text is null or (created_at, id) < (select created_at, id from coupons where tenant_id = $1::uuid and id = $4))
      order by created_at desc, id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function updateCouponTerms(tx: Tx, scope: TenantScope, id: string, c: CouponTerms): Promise<CouponRow | undefined> {
  const { rows } = await tx.query(
    `update coupons set valid_from = $4::timestamptz, valid_until = $5::timestamptz, max_redemptions = $6::int,
            metadata = $7::jsonb, updated_at = clock_timestamp()
      where ${SCOPED} and id = $3 and deleted_at is null returning ${COLUMNS}`,
    [scope.tenantId, scope.mode, id, c.valid_from, c.valid_until, c.max_redemptions, JSON.stringify(c.metadata)],
  );
  return rows[0];
}

export async function softDeleteCoupon(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(`update coupons set deleted_at = clock_timestamp() where ${SCOPED} and id = $3 and deleted_at is null`, [scope.tenantId, scope.mode, id]);
}

/**
 * Counts one redemption (+1) or releases one (-1), only while under the limit. The coupon may be
 * deleted meanwhile: an order already holding it still redeems it. False: the limit is reached.
 */
export async function redeemCoupon(tx: Tx, scope: TenantScope, id: string, step: 1 | -1): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update coupons set times_redeemed = times_redeemed + $4::int
      where ${SCOPED} and id = $3 and times_redeemed + $4::int >= 0
        and ($4::int < 0 or max_redemptions is null or times_redeemed < max_redemptions)`,
    [scope.tenantId, scope.mode, id, step],
  );
  return rowCount === 1;
}
