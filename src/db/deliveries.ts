// deliveries: one per (event, endpoint) fan-out; tenant-scoped, run inside withTenant and name
// their tenant and mode themselves too.
import type { Pool, Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'failed', 'cancelled'] as const;

export interface DeliveryRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  status_reason: string | null;
  /** The flow of its endpoint it belongs to, and whether it waits in it for its turn (sql/033). */
  flow: string;
  parked: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `tenant_id, id, mode, endpoint_id, event_id, event_type, status, attempt_count, next_attempt_at,
  last_attempt_at, status_reason, flow, parked, created_at, updated_at`;

export interface NewDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** The endpoint's flow it joins (sql/033: 'none', 'fifo' or 'key:<k>'). */
  flow: string;
  /** Waiting for room in its flow (no job yet) rather than due now. */
  parked: boolean;
}

/**
 * One statement for a whole batch, in the order given (which is the order of their positions in
 * their flows); a released delivery is pending with its first attempt due now, a parked one waits.
 */
export async function insertDeliveries(tx: Tx, scope: { tenantId: string; mode: Mode }, rows: NewDelivery[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `insert into deliveries (tenant_id, mode, id, endpoint_id, event_id, event_type, flow, parked, next_attempt_at)
     select $1::uuid, $2, d.id, d.endpoint_id, d.event_id, d.event_type, d.flow, d.parked, case when d.parked then null else clock_timestamp() end
       from json_to_recordset($3::json) as d (id text, endpoint_id text, event_id text, event_type text, flow text, parked boolean)`,
    [scope.tenantId, scope.mode, JSON.stringify(rows.map((r) => ({
      id: r.id, endpoint_id: r.endpointId, event_id: r.eventId, event_type: r.eventType, flow: r.flow, parked: r.parked,
    })))],
  );
}

/** A flow of an endpoint: the unit of ordering and admission (sql/033). */
export interface Flow {
  endpointId: string;
  flow: string;
}

/**
 * Serialises the work on these flows with every other transaction's until this one ends
 * (transaction-level advisory locks: no rows written). Taken in one global order — scopes in
 * order, then flows in order — so two transactions cannot wait for each other.
 */
export async function lockFlows(tx: Tx, scope: TenantScope, flows: Flow[]): Promise<void> {
  if (!flows.length) return;
  const keys = [...new Set(flows.map((f) => `${scope.tenantId}/${scope.mode}/${f.endpointId}/${f.flow}`))].sort();
  // An aggregate takes its rows in the order of the array: the locks are taken in that order.
  await tx.query('select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest($1::text[]) as k', [keys]);
}

export interface FlowState extends Flow {
  /** Deliveries of the flow released and not ended. */
  in_flight: number;
  /** Whether any of the flow's deliveries waits. */
  waiting: boolean;
}

/** Where these flows stand now; read under their locks (lockFlows, in an earlier statement). */
export async function flowStates(tx: Tx, scope: TenantScope, flows: Flow[]): Promise<FlowState[]> {
  if (!flows.length) return [];
  const { rows } = await tx.query({
    name: 'deliveries.flow_states',
    text: `select f.endpoint_id as "endpointId", f.flow,
              (select count(*) from deliveries d
                where d.tenant_id = $1::uuid and d.mode = $2 and d.endpoint_id = f.endpoint_id and d.flow = f.flow
                  and not d.parked and d.status in ('pending', 'retrying'))::int as in_flight,
              exists (select 1 from deliveries d
                       where d.tenant_id = $1::uuid and d.mode = $2 and d.endpoint_id = f.endpoint_id and d.flow = f.flow and d.parked) as waiting
         from unnest($3::text[], $4::text[]) as f (endpoint_id, flow)`,
    values: [scope.tenantId, scope.mode, flows.map((f) => f.endpointId), flows.map((f) => f.flow)],
  });
  return rows;
}

/**
 * Releases each flow's waiting deliveries, in position order, as far as its room allows
 * (`capacity` less the deliveries in flight), with their next attempt due now; read and written
 * under the flows' locks where they are ordered; two releasers at once take different deliveries
 * (the rows are locked as picked, skipping those another holds).
 * Returns the released deliveries and the attempt each makes next.
 */
export async function releaseWaiting(
  tx: Tx, scope: TenantScope, flows: Array<Flow & { capacity: number }>, now: Date,
): Promise<Array<{ id: string; endpoint_id: string; attempt: number }>> {
  if (!flows.length) return [];
  const { rows } = await tx.query(
    `with f as (select * from unnest($3::text[], $4::text[], $5::int[]) as f (endpoint_id, flow, capacity)),
          room as (
            select f.endpoint_id, f.flow, f.capacity - (select count(*) from deliveries d
                      where d.tenant_id = $1::uuid and d.mode = $2 and d.endpoint_id = f.endpoint_id and d.flow = f.flow
                        and not d.parked and d.status in ('pending', 'retrying'))::int as n
              from f
             -- Most ended deliveries leave nothing waiting: one probe of deliveries_parked spares the count.
             where exists (select 1 from deliveries d
                            where d.tenant_id = $1::uuid and d.mode = $2 and d.endpoint_id = f.endpoint_id and d.flow = f.flow and d.parked)
          ),
          picked as (
            select p.id from room r cross join lateral (
              select d.id from deliveries d
               where d.tenant_id = $1::uuid and d.mode = $2 and d.endpoint_id = r.endpoint_id and d.flow = r.flow and d.parked
               order by d.position limit greatest(r.n, 0) for update skip locked
            ) p
          )
     update deliveries d set parked = false, next_attempt_at = $6::timestamptz, updated_at = clock_timestamp()
       from picked where d.tenant_id = $1::uuid and d.mode = $2 and d.id = picked.id and d.parked
     returning d.id, d.endpoint_id, d.attempt_count + 1 as attempt`,
    [scope.tenantId, scope.mode, flows.map((f) => f.endpointId), flows.map((f) => f.flow), flows.map((f) => f.capacity), now],
  );
  return rows;
}

export interface DeliveryFilter {
  limit: number;
  startingAfter?: string;
  endpointId?: string;
  eventId?: string;
  status?: DeliveryStatus;
}

export async function listDeliveries(tx: Tx, scope: TenantScope, f: DeliveryFilter): Promise<DeliveryRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from deliveries
      where tenant_id = $6::uuid and mode = $7
        and ($3::text is null or endpoint_id = $3)
        and ($4::text is null or event_id = $4)
        and ($5::text is null or status = $5)
        and ($2::text is null or (created_at, id) < (select created_at, id from deliveries where tenant_id = $6::uuid and id = $2))
      order by created_at desc, id desc limit $1`,
    [f.limit, f.startingAfter ?? null, f.endpointId ?? null, f.eventId ?? null, f.status ?? null, scope.tenantId, scope.mode],
  );
  return rows;
}

/** `lock` holds the row for the rest of the transaction. */
export async function findDelivery(tx: Tx, scope: TenantScope, id: string, lock = false): Promise<DeliveryRow | undefined> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from deliveries where tenant_id = $2::uuid and mode = $3 and id = $1${lock ? ' for update' : ''}`,
    [id, scope.tenantId, scope.mode],
  );
  return rows[0];
}

/** Ends the endpoint's deliveries that still had attempts to come. */
export async function cancelPendingDeliveries(tx: Tx, scope: TenantScope, endpointId: string, reason: string): Promise<number> {
  const { rowCount } = await tx.query(
    `update deliveries set status = 'cancelled', status_reason = $2, next_attempt_at = null, updated_at = clock_timestamp()
      where tenant_id = $3::uuid and mode = $4 and endpoint_id = $1 and status in ('pending', 'retrying')`,
    [endpointId, reason, scope.tenantId, scope.mode],
  );
  return rowCount ?? 0;
}

/** A manual retry: the next attempt is due now. */
/**
 * An ended delivery back in a flow, at its end (a new position): released with its next attempt
 * due now, or parked until its turn.
 */
export async function rejoinFlow(tx: Tx, scope: TenantScope, id: string, flow: string, parked: boolean): Promise<DeliveryRow> {
  const { rows } = await tx.query(
    `update deliveries
        set status = 'pending', status_reason = null, flow = $4, parked = $5, position = nextval('delivery_positions'),
            next_attempt_at = case when $5 then null else clock_timestamp() end, updated_at = clock_timestamp()
      where tenant_id = $2::uuid and mode = $3 and id = $1 returning ${COLUMNS}`,
    [id, scope.tenantId, scope.mode, flow, parked],
  );
  return rows[0];
}

export async function requeueDelivery(tx: Tx, scope: TenantScope, id: string): Promise<DeliveryRow> {
  const { rows } = await tx.query(
    `update deliveries
        set status = case when status = 'retrying' then 'retrying' else 'pending' end,
            status_reason = null, next_attempt_at = clock_timestamp(), updated_at = clock_timestamp()
      where tenant_id = $2::uuid and mode = $3 and id = $1 returning ${COLUMNS}`,
    [id, scope.tenantId, scope.mode],
  );
  return rows[0];
}

/** What one attempt needs, read for a batch in one statement: the delivery, its endpoint, event and signing secrets. */
export interface AttemptContext {
  delivery_id: string;
  attempt_count: number;
  status: DeliveryStatus;
  endpoint_id: string;
  /** The endpoint's flow the delivery belongs to (sql/033). */
  flow: string;
  /** null when the endpoint was deleted. */
  url: string | null;
  enabled: boolean;
  failing_since: Date | null;
  rate_limit: number | null;
  paused_until: Date | null;
  event_id: string;
  event_type: string;
  /** JSON text, as stored. */
  event_data: string;
  event_previous_attributes: string | null;
  event_created_at: Date;
  /**
   * Ciphertexts of the secrets that sign at `now`, current first, in base64 joined by commas: one
   * string rather than an array of bytea, which the driver would parse character by character.
   */
  secrets: string;
}

/** The scope's deliveries `ids` with everything their next attempt needs. */
export async function loadAttemptContexts(tx: Tx, scope: TenantScope, ids: string[], now: Date): Promise<AttemptContext[]> {
  const { rows } = await tx.query({
    name: 'deliveries.load_attempts',
    text: `select d.id as delivery_id, d.attempt_count, d.status, d.endpoint_id, d.flow,
              ep.url, coalesce(ep.enabled, false) as enabled, ep.failing_since, ep.rate_limit, ep.paused_until,
              e.id as event_id, e.type as event_type, e.data::text as event_data, e.previous_attributes::text as event_previous_attributes,
              e.created_at as event_created_at,
              coalesce((select string_agg(encode(s.ciphertext, 'base64'), ',' order by s.version desc) from webhook_endpoint_secrets s
                         where s.tenant_id = d.tenant_id and s.mode = d.mode and s.endpoint_id = d.endpoint_id
                           and (s.expires_at is null or s.expires_at > $4::timestamptz)), '') as secrets
         from deliveries d
         join events e on e.tenant_id = d.tenant_id and e.mode = d.mode and e.id = d.event_id
         left join webhook_endpoints ep on ep.tenant_id = d.tenant_id and ep.mode = d.mode and ep.id = d.endpoint_id and ep.deleted_at is null
        where d.tenant_id = $1::uuid and d.mode = $2 and d.id = any($3::text[])`,
    values: [scope.tenantId, scope.mode, ids, now],
  });
  return rows;
}

/** Ends these deliveries of the scope that still had attempts to come. */
export async function cancelDeliveries(tx: Tx, scope: TenantScope, ids: string[], reason: string): Promise<void> {
  if (!ids.length) return;
  await tx.query(
    `update deliveries set status = 'cancelled', status_reason = $4, next_attempt_at = null, updated_at = clock_timestamp()
      where tenant_id = $1::uuid and mode = $2 and id = any($3::text[]) and status in ('pending', 'retrying')`,
    [scope.tenantId, scope.mode, ids, reason],
  );
}
