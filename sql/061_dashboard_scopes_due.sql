-- The worker keeps the dashboard's hourly rollups up to date (services/dashboard.ts
-- keepRollupsUpToDate), so no overview pays for a long roll-up: not even the first 30-day view of
-- a history nobody looked at. This finds the scopes due a round, stalest first: of those with a
-- delivery changed in the last 31 days, those with no marks yet or rollups not reaching
-- `reach_from`, and those last looked at before `checked_before` with a delivery changed since
-- that look, or since the hour the rollups are sealed to (the running hour is rolled once it ends).
-- Scope only. The last change of each tenant and mode is a max() over deliveries_by_change, which
-- the planner always reads as one backward index probe (an exists() here became a sequential scan
-- when one tenant held every delivery: its statistics say any tenant id matches them all).
create function dashboard_scopes_due(reach_from timestamptz, checked_before timestamptz, max_rows int)
returns table (tenant_id uuid, mode text)
language sql stable security definer set search_path = public, pg_temp
as $$
  select t.id, m.mode
    from tenants t
   cross join (values ('live'), ('test')) as m (mode)
   cross join lateral (select max(d.updated_at) as changed from deliveries d where d.tenant_id = t.id and d.mode = m.mode) as last
    left join dashboard_rollups r on r.tenant_id = t.id and r.mode = m.mode
   where last.changed > reach_from - interval '1 day'
     and (r.tenant_id is null
          or r.covered_from > reach_from
          or (r.checked_at < checked_before and last.changed > least(r.checked_at, r.sealed_until) - interval '5 minutes'))
   order by r.checked_at nulls first
   limit max_rows
$$;
grant select (tenant_id, mode, updated_at) on deliveries to herald_lookup;
grant select on dashboard_rollups to herald_lookup;
alter function dashboard_scopes_due(timestamptz, timestamptz, int) owner to herald_lookup;
revoke all on function dashboard_scopes_due(timestamptz, timestamptz, int) from public;
grant execute on function dashboard_scopes_due(timestamptz, timestamptz, int) to herald_app;
