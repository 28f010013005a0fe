-- Delivery control and operations: an endpoint's failure streak (for the automatic disable),
-- attempts indexed per endpoint (for its delivery statistics), the worker's sweep for due
-- deliveries that lost their job, and the outbox backlog for metrics.

-- Set by the first failed attempt after a success (or since creation), cleared by a success
-- or a re-enable; the endpoint is disabled once a failure comes HERALD_DISABLE_AFTER later.
alter table webhook_endpoints add column failing_since timestamptz;

-- Attempts carry their endpoint so its statistics are one index range scan, not a join.
alter table delivery_attempts add column endpoint_id text;
-- Backfilling existing rows has to see every tenant's rows.
alter table delivery_attempts no force row level security;
alter table deliveries no force row level security;
update delivery_attempts a set endpoint_id = d.endpoint_id
  from deliveries d where d.tenant_id = a.tenant_id and d.id = a.delivery_id;
alter table delivery_attempts force row level security;
alter table deliveries force row level security;
alter table delivery_attempts alter column endpoint_id set not null;
alter table delivery_attempts add foreign key (tenant_id, endpoint_id) references webhook_endpoints (tenant_id, id);
create index delivery_attempts_by_endpoint on delivery_attempts (tenant_id, endpoint_id, started_at desc)
  include (mode, status_code, duration_ms);

-- The sweeper's view across tenants: deliveries whose next attempt is long overdue (their job
-- may be lost). Returns ids only; the worker re-checks each under its tenant.
create index deliveries_due on deliveries (next_attempt_at, id) where status in ('pending', 'retrying');

create function overdue_deliveries(due_before timestamptz, after_at timestamptz, after_id text, max_rows int)
returns table (tenant_id uuid, mode text, delivery_id text, attempt int, next_attempt_at timestamptz)
language sql stable security definer set search_path = public, pg_temp
as $$
  select d.tenant_id, d.mode, d.id, d.attempt_count + 1, d.next_attempt_at from deliveries d
   where d.status in ('pending', 'retrying') and d.next_attempt_at < due_before
     and (after_at is null or (d.next_attempt_at, d.id) > (after_at, after_id))
   order by d.next_attempt_at, d.id limit max_rows
$$;
grant select (tenant_id, mode, id, status, attempt_count, next_attempt_at) on deliveries to herald_lookup;
alter function overdue_deliveries(timestamptz, timestamptz, text, int) owner to herald_lookup;
revoke all on function overdue_deliveries(timestamptz, timestamptz, text, int) from public;
grant execute on function overdue_deliveries(timestamptz, timestamptz, text, int) to herald_app;

-- For metrics: how many events wait for dispatch, and since when; counts only, no tenant data.
create function outbox_backlog()
returns table (depth bigint, oldest timestamptz)
language sql stable security definer set search_path = public, pg_temp
as $$
  select count(*), (select created_at from outbox order by seq limit 1) from outbox
$$;
alter function outbox_backlog() owner to herald_lookup;
revoke all on function outbox_backlog() from public;
grant execute on function outbox_backlog() to herald_app;
