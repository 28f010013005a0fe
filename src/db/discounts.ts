// discounts (automatic, no code): tenant-scoped; every function runs inside withTenant.
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

export async function findDiscount(tx: Tx, id: string, options: { forUpdate?: boolean } = {}): Promise<DiscountRow | undefined> {
  const { rows } = await tx.query(`select ${COLUMNS} from discounts where id = $1 and deleted_at is null${options.forUpdate ? ' for update' : ''}`, [id]);
  return rows[0];
}

export async function listDiscounts(tx: Tx, page: { limit: number; startingAfter?: string }): Promise<DiscountRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from discounts
      where deleted_at is null and ($2::text is null or (created_at, id) < (select created_at, id from discounts where id = $2))
      order by created_at desc, id desc limit $1`,
    [page.limit, page.startingAfter ?? null],
  );
  return rows;
}

export async function updateDiscountTerms(tx: Tx, id: string, d: DiscountTerms): Promise<DiscountRow | undefined> {
  const { rows } = await tx.query(
    `update discounts set name = $2, product_ids = $3::text[], min_subtotal = $4::bigint, starts_at = $5::timestamptz, ends_at = $6::timestamptz,
            active = $7, metadata = $8::jsonb, updated_at = clock_timestamp()
      where id = $1 and deleted_at is null returning ${COLUMNS}`,
    [id, d.name, d.product_ids, d.min_subtotal, d.starts_at, d.ends_at, d.active, JSON.stringify(d.metadata)],
  );
  return rows[0];
}

export async function softDeleteDiscount(tx: Tx, id: string): Promise<void> {
  await tx.query('update discounts set deleted_at = clock_timestamp() where id = $1 and deleted_at is null', [id]);
}

/** Active, undeleted discounts inside their window at `now` that may apply in `currency`, oldest first. */
export async function liveDiscounts(tx: Tx, currency: string, now: Date): Promise<DiscountRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from discounts
      where deleted_at is null and active and (currency is null or currency = $1)
        and (starts_at is null or starts_at <= $2) and (ends_at is null or ends_at > $2)
      order by created_at, id`,
    [currency, now],
  );
  return rows;
}
