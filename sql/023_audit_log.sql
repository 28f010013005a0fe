-- The audit log (issue 12, finding 13; DESIGN §4): who (an API key, a user, or the operator) did
-- what to keys, members, endpoint secrets, replays and settings, when and from which address.
-- Written in the transaction of the action it records; the app may insert and read, never change.
-- An entry belongs to the organization of the credential that acted (for the operator: the
-- organization acted on), and to that credential's mode.

create table audit_log (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  org_id uuid,
  actor_type text not null check (actor_type in ('api_key', 'user', 'operator')),
  actor_id text,
  action text not null check (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' and length(action) <= 100),
  target_type text not null check (length(target_type) <= 100),
  target_id text check (length(target_id) <= 200),
  data jsonb not null default '{}' check (jsonb_typeof(data) = 'object'),
  ip text check (length(ip) <= 100),
  created_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id),
  foreign key (tenant_id, org_id) references organizations (tenant_id, id)
);
create index audit_log_list on audit_log (tenant_id, mode, org_id, created_at desc, id desc);

alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy tenant_isolation on audit_log
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
         and mode = nullif(current_setting('app.mode', true), ''))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
              and mode = nullif(current_setting('app.mode', true), ''));

grant select, insert on audit_log to herald_app;
