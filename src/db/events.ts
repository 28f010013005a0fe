// events (immutable log) and outbox: tenant-scoped; run inside withTenant and name their tenant
// and mode themselves too.
import type { Mode, TenantScope } from '../scope.ts';
import type { Tx } from './pool.ts';

export interface EventRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  type: string;
  data: Record<string, unknown>;
  previous_attributes: Record<string, unknown> | null;
  created_at: Date;
}

const COLUMNS = 'tenant_id, id, mode, type, data, previous_attributes, created_at';

/** Inserts the event and its outbox row in one statement (one round trip). */
export async function insertEventWithOutbox(
  tx: Tx,
  e: { tenantId: string; id: string; mode: Mode; type: string; data: unknown; previousAttributes?: unknown; orderingKey: string | null },
): Promise<EventRow> {
  // Named: every write runs it, so Postgres parses and plans it once per connection.
  const { rows } = await tx.query({
    name: 'events.insert_with_outbox',
    text: `with event as (
       insert into events (tenant_id, id, mode, type, data, previous_attributes, ordering_key)
       values ($1::uuid, $2, $3, $4, $5::json, $6::json, $7) returning ${COLUMNS}
     ), queued as (
       insert into outbox (tenant_id, event_id, mode) select tenant_id, id, mode from event
     )
     select ${COLUMNS} from event`,
    values: [e.tenantId, e.id, e.mode, e.type, JSON.stringify(e.data), e.previousAttributes === undefined ? null : JSON.stringify(e.previousAttributes), e.orderingKey],
  });
  return rows[0];
}

export async function findEvent(tx: Tx, scope: TenantScope, id: string): Promise<EventRow | undefined> {
  const { rows } = await tx.query(`select ${COLUMNS} from events where tenant_id = $1::uuid and mode = $2 and id = $3`, [scope.tenantId, scope.mode, id]);
  return rows[0];
}

export interface EventFilter {
  limit: number;
  startingAfter?: string;
  /** An exact type, or a namespace wildcard such as `order.*`. */
  type?: string;
  createdGte?: Date;
  createdLt?: Date;
}

export async function listEvents(tx: Tx, scope: TenantScope, f: EventFilter): Promise<EventRow[]> {
  const exact = f.type && !f.type.endsWith('.*') ? f.type : null;
  const prefix = f.type?.endsWith('.*') ? f.type.slice(0, -1) : null;
  const { rows } = await tx.query(
    `select ${COLUMNS} from events
      where tenant_id = $7::uuid and mode = $8
        and ($2::text is null or (created_at, id) < (select created_at, id from events where tenant_id = $7::uuid and id = $2))
        and ($3::text is null or type = $3) and ($4::text is null or starts_with(type, $4))
        and ($5::timestamptz is null or created_at >= $5) and ($6::timestamptz is null or created_at < $6)
      order by created_at desc, id desc limit $1`,
    [f.limit, f.startingAfter ?? null, exact, prefix, f.createdGte ?? null, f.createdLt ?? null, scope.tenantId, scope.mode],
  );
  return rows;
}

/**
 * Events created in [since, until) whose type an endpoint's filters accept (exact, `ns.*`, `*`:
 * the rule of matchesEventType), oldest first; webhook.test matches no filter. For replays.
 */
export async function eventsMatching(
  tx: Tx, scope: TenantScope, f: { since: Date; until: Date; filters: string[]; limit: number },
): Promise<Array<{ id: string; type: string; ordering_key: string | null }>> {
  const { rows } = await tx.query(
    `select id, type, ordering_key from events
      where tenant_id = $5::uuid and mode = $6 and created_at >= $1 and created_at < $2 and type <> 'webhook.test'
        and exists (select 1 from unnest($3::text[]) as f (filter)
                     where filter = '*' or filter = type or (right(filter, 2) = '.*' and starts_with(type, left(filter, -1))))
      order by created_at, id limit $4`,
    [f.since, f.until, f.filters, f.limit, scope.tenantId, scope.mode],
  );
  return rows;
}

/**
 * Serialises the transactions recording events with this ordering key, until each ends: events
 * of one key then take their place in the outbox in the order they commit.
 */
export async function lockOrderingKey(tx: Tx, scope: TenantScope, key: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended('herald/event-key/' || $1 || '/' || $2 || '/' || $3, 0))", [scope.tenantId, scope.mode, key]);
}

export async function eventOrderingKey(tx: Tx, scope: TenantScope, id: string): Promise<string | null> {
  const { rows } = await tx.query('select ordering_key from events where tenant_id = $1::uuid and mode = $2 and id = $3', [scope.tenantId, scope.mode, id]);
  return rows[0]?.ordering_key ?? null;
}
