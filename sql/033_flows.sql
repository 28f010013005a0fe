-- Delivery guarantees (issue 11): ordered delivery, per-endpoint rate limits, and the admission
-- windows that keep one endpoint's backlog out of the job queue.
--
-- Every delivery belongs to one flow of its endpoint, chosen when it is created:
--   'none'          an unordered endpoint: up to a window of its deliveries have a job at once;
--   'fifo'          a fifo endpoint: one at a time, in commit order;
--   'key:<k>'       an endpoint ordered by key: one at a time per ordering key, in commit order;
--                   events without a key join the endpoint's 'none' flow.
-- A delivery beyond its flow's room waits `parked` (no job) in `position` order, and is released
-- when one of its flow ends. docs/delivery.md ("Ordering, windows and rate limits").

alter table webhook_endpoints
  add column ordering text not null default 'none' check (ordering in ('none', 'key', 'fifo')),
  add column rate_limit int check (rate_limit between 1 and 10000),
  -- Set by a 429 or 503 with Retry-After: no attempt to the endpoint starts before then.
  add column paused_until timestamptz;

-- A resource event's key is its resource's id; a custom event may set one.
alter table events add column ordering_key text check (length(ordering_key) between 1 and 200);

create sequence delivery_positions;
grant usage on sequence delivery_positions to herald_app;

alter table deliveries
  add column flow text not null default 'none' check (length(flow) <= 210),
  add column position bigint not null default nextval('delivery_positions'),
  add column parked boolean not null default false;

-- A flow's deliveries in flight (released, not ended): counted under the flow's lock.
create index deliveries_in_flight on deliveries (tenant_id, mode, endpoint_id, flow)
  where not parked and status in ('pending', 'retrying');
-- A flow's waiting deliveries, next first.
create index deliveries_parked on deliveries (tenant_id, mode, endpoint_id, flow, position) where parked;

-- Rate limits across all worker processes: the next free send slot of each rate-limited endpoint
-- (a generic cell rate algorithm: each attempt takes the slot and moves it on by 1/rate seconds).
create table endpoint_pacing (
  tenant_id uuid not null,
  mode text not null check (mode in ('live', 'test')),
  endpoint_id text not null,
  next_slot timestamptz not null,
  primary key (tenant_id, mode, endpoint_id),
  foreign key (tenant_id, mode, endpoint_id) references webhook_endpoints (tenant_id, mode, id) on delete cascade
);
alter table endpoint_pacing enable row level security;
alter table endpoint_pacing force row level security;
create policy tenant_isolation on endpoint_pacing
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
         and mode = nullif(current_setting('app.mode', true), ''))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
              and mode = nullif(current_setting('app.mode', true), ''));
grant select, insert, update on endpoint_pacing to herald_app;

-- The dispatcher's claim, scope by scope: up to 100 scopes with work, oldest first, each taking an
-- equal share of the batch — so one tenant's burst in the outbox does not hold back another's
-- events for the whole burst — and each taken only if no other dispatcher holds it (a
-- transaction-level advisory lock on the scope), so the events of one tenant and mode are
-- dispatched, and given their positions in their flows, in the order they became visible, however
-- many dispatchers run. Other scopes are dispatched in parallel.
drop function claim_outbox(int);
create function claim_outbox(max_rows int)
returns table (tenant_id uuid, mode text, event_id text, seq bigint, waited float8)
language plpgsql volatile security definer set search_path = public, pg_temp
as $$
declare
  tenants uuid[];
  modes text[];
  share int;
begin
  select array_agg(w.t order by w.first), array_agg(w.m order by w.first) into tenants, modes
    from (select o.tenant_id as t, o.mode as m, min(o.seq) as first from outbox o group by o.tenant_id, o.mode order by 3 limit 100) w;
  if tenants is null then return; end if;
  share := greatest(max_rows / cardinality(tenants), 1);
  for i in 1 .. cardinality(tenants) loop
    continue when not pg_try_advisory_xact_lock(hashtextextended('herald/dispatch/' || tenants[i] || '/' || modes[i], 0));
    return query
      with claimed as (
        select o.tenant_id, o.event_id from outbox o where o.tenant_id = tenants[i] and o.mode = modes[i]
         order by o.seq limit share for update skip locked
      )
      delete from outbox o using claimed c
       where o.tenant_id = c.tenant_id and o.event_id = c.event_id
      returning o.tenant_id, o.mode, o.event_id, o.seq, extract(epoch from clock_timestamp() - o.created_at)::float8;
  end loop;
end
$$;
create index outbox_scope on outbox (tenant_id, mode, seq);
alter function claim_outbox(int) owner to herald_lookup;
revoke all on function claim_outbox(int) from public;
grant execute on function claim_outbox(int) to herald_app;
