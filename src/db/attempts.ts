// delivery_attempts: the immutable record of every request made; run inside withTenant and name
// their tenant and mode themselves too.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

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
  endpointId: string;
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
    `insert into delivery_attempts (tenant_id, mode, id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code,
                                    response_headers, response_body, error_kind, error_message)
     values ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13)
     on conflict (tenant_id, delivery_id, number) do nothing`,
    [a.tenantId, a.mode, a.id, a.deliveryId, a.endpointId, a.number, a.startedAt, a.durationMs, a.statusCode,
      a.responseHeaders && JSON.stringify(a.responseHeaders), a.responseBody, a.errorKind, a.errorMessage],
  );
  return rowCount === 1;
}

export async function listAttempts(tx: Tx, scope: TenantScope, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from delivery_attempts where tenant_id = $2::uuid and mode = $3 and delivery_id = $1 order by number`,
    [deliveryId, scope.tenantId, scope.mode],
  );
  return rows;
}

export interface AttemptStats {
  attempts: number;
  succeeded: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface EndpointStats {
  hour: AttemptStats;
  day: AttemptStats;
}

/**
 * An endpoint's attempts over the hour and the day before `now`: one range scan of the
 * (endpoint, started_at) index, which also holds the status and duration it reads.
 */
export async function endpointAttemptStats(tx: Tx, scope: TenantScope, endpointId: string, now: Date): Promise<EndpointStats> {
  const { rows } = await tx.query(
    `select count(*) filter (where hour)::int as hour_attempts,
            count(*) filter (where hour and ok)::int as hour_succeeded,
            percentile_cont(0.5) within group (order by duration_ms) filter (where hour) as hour_p50,
            percentile_cont(0.95) within group (order by duration_ms) filter (where hour) as hour_p95,
            count(*)::int as day_attempts,
            count(*) filter (where ok)::int as day_succeeded,
            percentile_cont(0.5) within group (order by duration_ms) as day_p50,
            percentile_cont(0.95) within group (order by duration_ms) as day_p95
       from (select duration_ms, started_at >= $2::timestamptz - interval '1 hour' as hour, status_code between 200 and 299 as ok
               from delivery_attempts
              where tenant_id = $3::uuid and mode = $4 and endpoint_id = $1 and started_at >= $2::timestamptz - interval '1 day') a`,
    [endpointId, now, scope.tenantId, scope.mode],
  );
  const r = rows[0];
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    hour: { attempts: r.hour_attempts, succeeded: r.hour_succeeded, p50_ms: round(r.hour_p50), p95_ms: round(r.hour_p95) },
    day: { attempts: r.day_attempts, succeeded: r.day_succeeded, p50_ms: round(r.day_p50), p95_ms: round(r.day_p95) },
  };
}
