-- Unordered flows ('none') are admitted and released without locks (a dispatch batch and a record
-- would otherwise serialise on every endpoint they share). The price is a rare lost wake-up: a
-- delivery parked by a transaction that saw a delivery still in flight, which ended in a
-- transaction that did not yet see it parked. Workers look for such flows every second — parked
-- deliveries and room — and release them (services/flows.ts releaseStalledFlows).
-- A skip scan over the parked index: one probe per flow, however many deliveries wait in it.
create function stalled_flows(capacity int, max_rows int)
returns table (tenant_id uuid, mode text, endpoint_id text, flow text)
language sql stable security definer set search_path = public, pg_temp
as $$
  with recursive f as (
    (select d.tenant_id, d.mode, d.endpoint_id, d.flow from deliveries d
      where d.parked and d.flow = 'none' order by d.tenant_id, d.mode, d.endpoint_id, d.flow limit 1)
    union all
    select n.* from f cross join lateral (
      select d.tenant_id, d.mode, d.endpoint_id, d.flow from deliveries d
       where d.parked and d.flow = 'none' and (d.tenant_id, d.mode, d.endpoint_id, d.flow) > (f.tenant_id, f.mode, f.endpoint_id, f.flow)
       order by d.tenant_id, d.mode, d.endpoint_id, d.flow limit 1
    ) n
  )
  select f.tenant_id, f.mode, f.endpoint_id, f.flow from f
   where (select count(*) from deliveries d
           where d.tenant_id = f.tenant_id and d.mode = f.mode and d.endpoint_id = f.endpoint_id and d.flow = f.flow
             and not d.parked and d.status in ('pending', 'retrying')) < capacity
   limit max_rows
$$;
alter function stalled_flows(int, int) owner to herald_lookup;
revoke all on function stalled_flows(int, int) from public;
grant execute on function stalled_flows(int, int) to herald_app;
