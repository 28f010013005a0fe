-- What the dashboard reads (issue 14), fast with a million attempts in a tenant's history
-- (docs/dashboard.md "Staying fast"):
--   - indexes for its lists and filters and for the overview's recent hours;
--   - hourly rollups of the overview's figures, so a 7- or 30-day overview reads a few hundred
--     rows instead of every delivery and attempt. They are a cache the dashboard fills as it reads
--     (src/db/dashboard.ts): an hour is rolled up once it has passed, and rolled up again when any
--     of its deliveries changed since (a retry, a cancellation); the hours still running are read
--     from the deliveries and attempts themselves.

-- The overview's recent hours and each endpoint's 24-hour failure rate: one range scan by time
-- that holds every column they read.
create index delivery_attempts_by_time on delivery_attempts (tenant_id, mode, started_at) include (endpoint_id, number, status_code, duration_ms);
-- Deliveries filtered by status (the list's filter, the overview's backlog), newest first.
create index deliveries_by_status on deliveries (tenant_id, mode, status, created_at desc, id desc);
-- Deliveries changed since the rollups were last brought up to date.
create index deliveries_by_change on deliveries (tenant_id, mode, updated_at);

-- One row per tenant, mode and hour (UTC, date_bin on the epoch): the deliveries created in that
-- hour by their status now, and the attempts started in it.
create table dashboard_hours (
  tenant_id uuid not null references tenants (id),
  mode text not null check (mode in ('live', 'test')),
  hour timestamptz not null,
  pending int not null default 0,
  retrying int not null default 0,
  delivered int not null default 0,
  failed int not null default 0,
  cancelled int not null default 0,
  attempts int not null default 0,
  attempts_succeeded int not null default 0,
  first_attempts int not null default 0,
  first_attempts_succeeded int not null default 0,
  -- Attempt durations as a histogram: {"<bucket>": count}, bucket = width_bucket(duration_ms,
  -- LATENCY_BOUNDS of src/db/dashboard.ts); those bounds never change.
  latency jsonb not null default '{}',
  primary key (tenant_id, mode, hour)
);

-- How far the rollups of a tenant and mode reach: every hour in [covered_from, sealed_until) has
-- its row (or had nothing), and deliveries changed before checked_at are in them.
create table dashboard_rollups (
  tenant_id uuid not null references tenants (id),
  mode text not null check (mode in ('live', 'test')),
  covered_from timestamptz not null,
  sealed_until timestamptz not null,
  checked_at timestamptz not null,
  primary key (tenant_id, mode)
);

do $$
declare
  t text;
begin
  foreach t in array array['dashboard_hours', 'dashboard_rollups'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($policy$
      create policy tenant_isolation on %I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
               and mode = nullif(current_setting('app.mode', true), ''))
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
                    and mode = nullif(current_setting('app.mode', true), ''))$policy$, t);
    execute format('grant select, insert, update, delete on %I to herald_app', t);
  end loop;
end
$$;
