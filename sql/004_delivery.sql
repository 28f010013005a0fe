-- Webhook delivery: endpoints (with their encrypted signing secrets), deliveries and attempts,
-- all tenant- and mode-scoped under row-level security; a NOTIFY when outbox rows arrive; the
-- dispatcher's narrow cross-tenant claim; and a way for the runtime role to refresh the job
-- table's planner statistics.

create table webhook_endpoints (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  url text not null check (length(url) <= 2048),
  event_types text[] not null check (cardinality(event_types) between 1 and 100),
  description text check (length(description) <= 500),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  enabled boolean not null default true,
  disabled_reason text,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  -- Deleted endpoints stay as the target of their past deliveries, without secrets.
  deleted_at timestamptz,
  primary key (tenant_id, id)
);
create index webhook_endpoints_list on webhook_endpoints (tenant_id, mode, created_at desc, id desc) where deleted_at is null;

-- Versioned so a rotation can keep the previous secret signing until it expires.
create table webhook_endpoint_secrets (
  tenant_id uuid not null,
  endpoint_id text not null,
  version int not null check (version >= 1),
  mode text not null check (mode in ('live', 'test')),
  -- AES-256-GCM with HERALD_ENCRYPTION_KEY; tenant and endpoint ids are the associated data.
  ciphertext bytea not null,
  created_at timestamptz not null default clock_timestamp(),
  -- null while current; a rotated-out secret signs until then.
  expires_at timestamptz,
  primary key (tenant_id, endpoint_id, version),
  foreign key (tenant_id, endpoint_id) references webhook_endpoints (tenant_id, id)
);

create table deliveries (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  endpoint_id text not null,
  event_id text not null,
  event_type text not null,
  status text not null default 'pending' check (status in ('pending', 'retrying', 'delivered', 'failed', 'cancelled')),
  attempt_count int not null default 0 check (attempt_count >= 0),
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  -- Why the delivery ended failed or cancelled.
  status_reason text,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id),
  foreign key (tenant_id, endpoint_id) references webhook_endpoints (tenant_id, id),
  foreign key (tenant_id, event_id) references events (tenant_id, id)
);
create index deliveries_list on deliveries (tenant_id, mode, created_at desc, id desc);
create index deliveries_by_endpoint on deliveries (tenant_id, endpoint_id, created_at desc, id desc);
create index deliveries_by_event on deliveries (tenant_id, event_id);

create table delivery_attempts (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  delivery_id text not null,
  number int not null check (number >= 1),
  started_at timestamptz not null,
  duration_ms int not null check (duration_ms >= 0),
  status_code int,
  response_headers jsonb,
  response_body text,
  error_kind text,
  error_message text,
  primary key (tenant_id, id),
  -- One record per attempt number: a redone job cannot record the same attempt twice.
  unique (tenant_id, delivery_id, number),
  foreign key (tenant_id, delivery_id) references deliveries (tenant_id, id)
);

-- Row-level security with the policy every tenant table has (see 001_tenancy.sql).
do $$
declare
  t text;
begin
  foreach t in array array['webhook_endpoints', 'webhook_endpoint_secrets', 'deliveries', 'delivery_attempts'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($policy$
      create policy tenant_isolation on %I
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
               and mode = nullif(current_setting('app.mode', true), ''))
        with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
                    and mode = nullif(current_setting('app.mode', true), ''))$policy$, t);
  end loop;
end
$$;

grant select, insert, update on webhook_endpoints, deliveries to herald_app;
grant select, insert, update, delete on webhook_endpoint_secrets to herald_app;
-- Attempts are a record: written once, never changed.
grant select, insert on delivery_attempts to herald_app;

-- Wakes dispatchers when events commit (NOTIFY is delivered on commit, once per channel and payload).
create function notify_outbox() returns trigger
language plpgsql as $$
begin
  perform pg_notify('herald_outbox', '');
  return null;
end
$$;
create trigger outbox_notify after insert on outbox for each statement execute function notify_outbox();

-- The dispatcher's claim across tenants: locks the oldest unclaimed outbox row (in the caller's
-- transaction) and returns only its tenant and mode; the caller then pins that scope and claims
-- the rest of the batch under row-level security.
create function claim_outbox_scope()
returns table (tenant_id uuid, mode text)
language sql volatile security definer set search_path = public, pg_temp
as $$
  select o.tenant_id, o.mode from outbox o order by o.seq limit 1 for update skip locked
$$;

-- Row locks (FOR UPDATE) need an UPDATE privilege; seq is an identity column that can never be
-- updated, so this grants the lock and nothing else. herald_app locks its scope's batch the same way.
grant select, update (seq) on outbox to herald_lookup;
grant update (seq) on outbox to herald_app;
alter function claim_outbox_scope() owner to herald_lookup;
revoke all on function claim_outbox_scope() from public;
grant execute on function claim_outbox_scope() to herald_app;

-- pg-boss's fetch plan degrades on stale statistics; only the owner may ANALYZE its tables.
create function analyze_job_queue() returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  analyze pgboss.job;
end
$$;
revoke all on function analyze_job_queue() from public;
grant execute on function analyze_job_queue() to herald_app;
