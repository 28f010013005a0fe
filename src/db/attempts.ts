// delivery_attempts: the immutable record of every request made; run inside withTenant.
import type { Tx } from './pool.ts';
import type { Mode } from './tenant.ts';

export interface AttemptRow {
  id: string;
  delivery_id: string;
  number: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  error_kind: string | null;
  error_message: string | null;
}

const COLUMNS = 'id, delivery_id, number, started_at, duration_ms, status_code, response_headers, response_body, error_kind, error_message';

export interface NewAttempt {
  tenantId: string;
  mode: Mode;
  id: string;
  deliveryId: string;
  number: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  errorKind: string | null;
  errorMessage: string | null;
}

/** False when this attempt number is already on record (a redone job). */
export async function insertAttempt(tx: Tx, a: NewAttempt): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into delivery_attempts (tenant_id, mode, id, delivery_id, number, started_at, duration_ms, status_code,
                                    response_headers, response_body, error_kind, error_message)
     values ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
     on conflict (tenant_id, delivery_id, number) do nothing`,
    [a.tenantId, a.mode, a.id, a.deliveryId, a.number, a.startedAt, a.durationMs, a.statusCode,
      a.responseHeaders && JSON.stringify(a.responseHeaders), a.responseBody, a.errorKind, a.errorMessage],
  );
  return rowCount === 1;
}

export async function listAttempts(tx: Tx, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await tx.query(`select ${COLUMNS} from delivery_attempts where delivery_id = $1 order by number`, [deliveryId]);
  return rows;
}
