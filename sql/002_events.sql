-- The tenant's immutable event log and the transactional outbox. A write inserts its event and
-- one outbox row in its own transaction; the dispatcher deletes the outbox row when it has
-- committed the event's deliveries.

create table events (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  type text not null check (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' and length(type) <= 100),
  data jsonb not null,
  previous_attributes jsonb,
  created_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id)
);
create index events_list on events (tenant_id, mode, created_at desc, id desc);
create index events_by_type on events (tenant_id, mode, type, created_at desc, id desc);

create table outbox (
  seq bigint generated always as identity,
  tenant_id uuid not null,
  event_id text not null,
  mode text not null check (mode in ('live', 'test')),
  created_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, event_id),
  foreign key (tenant_id, event_id) references events (tenant_id, id)
);
create index outbox_order on outbox (seq);

alter table events enable row level security;
alter table events force row level security;
create policy tenant_isolation on events
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
         and mode = nullif(current_setting('app.mode', true), ''))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
              and mode = nullif(current_setting('app.mode', true), ''));

alter table outbox enable row level security;
alter table outbox force row level security;
create policy tenant_isolation on outbox
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
         and mode = nullif(current_setting('app.mode', true), ''))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
              and mode = nullif(current_setting('app.mode', true), ''));

-- Events are immutable: the app may insert and read them, never change them.
grant select, insert on events to herald_app;
grant select, insert, delete on outbox to herald_app;
