// What the dispatcher reads under row-level security once it has claimed a scope's outbox rows
// (claimOutbox in crossTenant.ts): the events' types and the scope's enabled endpoints, in one
// statement that names the tenant and mode itself too.
import type { TenantScope } from '../scope.ts';
import type { Tx } from './pool.ts';

export interface DispatchInputs {
  events: Array<{ id: string; type: string; ordering_key: string | null }>;
  endpoints: Array<{ id: string; event_types: string[]; ordering: 'none' | 'key' | 'fifo' }>;
}

export async function dispatchInputs(tx: Tx, scope: TenantScope, eventIds: string[]): Promise<DispatchInputs> {
  const { rows } = await tx.query({
    name: 'outbox.dispatch_inputs',
    text: `select coalesce((select json_agg(json_build_object('id', e.id, 'type', e.type, 'ordering_key', e.ordering_key))
                              from events e where e.tenant_id = $1::uuid and e.mode = $2 and e.id = any($3::text[])), '[]') as events,
                  coalesce((select json_agg(json_build_object('id', ep.id, 'event_types', ep.event_types, 'ordering', ep.ordering))
                              from webhook_endpoints ep
                             where ep.tenant_id = $1::uuid and ep.mode = $2 and ep.enabled and ep.deleted_at is null), '[]') as endpoints`,
    values: [scope.tenantId, scope.mode, eventIds],
  });
  return rows[0];
}
