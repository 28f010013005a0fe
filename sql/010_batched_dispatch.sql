-- The dispatcher claims across tenants in one statement: the oldest unclaimed outbox rows of any
-- tenants, deleted in the caller's transaction (a rollback puts them back) and returned as ids
-- and scope only. The dispatcher then works each scope under row-level security. Replaces
-- claim_outbox_scope, which claimed one scope per transaction.

create function claim_outbox(max_rows int)
returns table (tenant_id uuid, mode text, event_id text, seq bigint, waited float8)
language sql volatile security definer set search_path = public, pg_temp
as $$
  with claimed as (
    select o.tenant_id, o.event_id from outbox o order by o.seq limit max_rows for update skip locked
  )
  delete from outbox o using claimed c
   where o.tenant_id = c.tenant_id and o.event_id = c.event_id
  returning o.tenant_id, o.mode, o.event_id, o.seq, extract(epoch from clock_timestamp() - o.created_at)::float8
$$;

grant delete on outbox to herald_lookup;
alter function claim_outbox(int) owner to herald_lookup;
revoke all on function claim_outbox(int) from public;
grant execute on function claim_outbox(int) to herald_app;

drop function claim_outbox_scope();

-- Delivery work grows these tables by thousands of rows a second; plans on stale statistics scan
-- a tenant's whole history instead of looking rows up by key (seen: 13 ms instead of 2 ms for a
-- batch of 100). The dispatcher refreshes them after every few thousand deliveries it creates;
-- only the owner may ANALYZE. Replaces analyze_job_queue (pg-boss's table only).
create function refresh_delivery_statistics() returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  analyze pgboss.job;
  analyze public.deliveries;
  analyze public.delivery_attempts;
  analyze public.events;
end
$$;
revoke all on function refresh_delivery_statistics() from public;
grant execute on function refresh_delivery_statistics() to herald_app;

drop function analyze_job_queue();
