// delivery_attempts: the immutable record of every request made; run inside withTenant and name
// their tenant and mode themselves too.
import type { DeliveryStatus } from './deliveries.ts';
import type { Tx } from './pool.ts';
import type { TenantScope } from '../scope.ts';

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

/** An attempt to record, with where its delivery goes next. */
export interface AttemptRecord extends NewAttempt {
  /** The delivery's status after this attempt. */
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  reason: string | null;
}

/**
 * Records a batch of the scope's attempts and moves each delivery on, in one statement.
 * An attempt number already on record (a redone job) is skipped, and so is its delivery's move;
 * a delivery ended meanwhile (cancelled) keeps its state while the attempt stays on record.
 * Returns, per attempt recorded, whether its delivery moved.
 */
export async function recordAttempts(tx: Tx, scope: TenantScope, attempts: AttemptRecord[]): Promise<Map<string, boolean>> {
  if (!attempts.length) return new Map();
  // The batch goes as one JSON document (the driver's array literals cost far more to build), and
  // the statement is not prepared: planned with the document in hand, Postgres joins its rows by hash.
  const batch = attempts.map((a) => ({
    id: a.id, delivery_id: a.deliveryId, endpoint_id: a.endpointId, number: a.number, started_at: a.startedAt,
    duration_ms: a.durationMs, status_code: a.statusCode, response_headers: a.responseHeaders, response_body: a.responseBody,
    error_kind: a.errorKind, error_message: a.errorMessage, status: a.status, next_attempt_at: a.nextAttemptAt, reason: a.reason,
  }));
  const { rows } = await tx.query({
    text: `with r as (
       select * from json_to_recordset($3::json)
         as r (id text, delivery_id text, endpoint_id text, number int, started_at timestamptz, duration_ms int, status_code int,
               response_headers jsonb, response_body text, error_kind text, error_message text, status text,
               next_attempt_at timestamptz, reason text)
     ), inserted as (
       insert into delivery_attempts (tenant_id, mode, id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code,
                                      response_headers, response_body, error_kind, error_message)
       select $1::uuid, $2, r.id, r.delivery_id, r.endpoint_id, r.number, r.started_at, r.duration_ms, r.status_code,
              r.response_headers, r.response_body, r.error_kind, r.error_message
         from r
       on conflict (tenant_id, delivery_id, number) do nothing
       returning delivery_id
     ), advanced as (
       update deliveries d
          set attempt_count = r.number, last_attempt_at = r.started_at, status = r.status, next_attempt_at = r.next_attempt_at,
              status_reason = r.reason, updated_at = clock_timestamp()
         from r join inserted i on i.delivery_id = r.delivery_id
        where d.tenant_id = $1::uuid and d.mode = $2 and d.id = r.delivery_id and d.attempt_count = r.number - 1 and d.status in ('pending', 'retrying')
       returning d.id
     )
     select i.delivery_id, exists (select 1 from advanced a where a.id = i.delivery_id) as advanced from inserted i`,
    values: [scope.tenantId, scope.mode, JSON.stringify(batch)],
  });
  return new Map(rows.map((r) => [r.delivery_id, r.advanced]));
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
