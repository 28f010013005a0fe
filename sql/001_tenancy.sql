-- Roles, tenancy tables and the first tenant-scoped table (api_keys), with row-level security.
-- Runs as the DATABASE_URL role (the owner). Roles are cluster-wide, so creation tolerates a
-- concurrent migration of another database on the same server.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'herald_app') then
    begin
      create role herald_app nologin;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  -- Owns the narrow SECURITY DEFINER lookups that must run before a tenant is known.
  if not exists (select 1 from pg_roles where rolname = 'herald_lookup') then
    begin
      create role herald_lookup nologin bypassrls;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
end
$$;

-- The owner connects and switches to herald_app at connection start (see src/db/pool.ts).
do $$
begin
  execute format('grant herald_app to %I', current_user);
  execute format('grant herald_lookup to %I', current_user);
exception when others then null; -- superusers need no membership; already granted is fine
end
$$;

grant usage on schema public to herald_app, herald_lookup;

create table tenants (
  id uuid primary key,
  name text not null check (length(name) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at timestamptz not null default now()
);

create table organizations (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

create table users (
  id uuid primary key,
  email text not null check (length(email) between 3 and 320),
  password_hash text not null,
  created_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table memberships (
  tenant_id uuid not null,
  org_id uuid not null,
  user_id uuid not null references users (id),
  role text not null check (role in ('viewer', 'developer', 'admin', 'owner')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, org_id, user_id),
  foreign key (tenant_id, org_id) references organizations (tenant_id, id)
);

create table api_keys (
  tenant_id uuid not null references tenants (id),
  id text not null,
  org_id uuid not null,
  mode text not null check (mode in ('live', 'test')),
  kind text not null check (kind in ('secret', 'publishable')),
  role text check ((kind = 'secret' and role in ('viewer', 'developer', 'admin', 'owner')) or (kind = 'publishable' and role is null)),
  name text,
  key_hash text not null,
  prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, org_id) references organizations (tenant_id, id)
);
create index api_keys_hash on api_keys (key_hash);
create index api_keys_list on api_keys (tenant_id, mode, created_at desc, id desc);

alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy tenant_isolation on api_keys
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
         and mode = nullif(current_setting('app.mode', true), ''))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
              and mode = nullif(current_setting('app.mode', true), ''));

-- Key hash → tenant context, before any tenant is known. Returns ids and scope only.
create function resolve_api_key(p_key_hash text)
returns table (key_id text, tenant_id uuid, org_id uuid, mode text, kind text, role text, revoked boolean, tenant_status text)
language sql stable security definer set search_path = public, pg_temp
as $$
  select k.id, k.tenant_id, k.org_id, k.mode, k.kind, k.role, k.revoked_at is not null, t.status
    from api_keys k join tenants t on t.id = k.tenant_id
   where k.key_hash = p_key_hash
$$;

grant select on api_keys, tenants to herald_lookup;
alter function resolve_api_key(text) owner to herald_lookup;
revoke all on function resolve_api_key(text) from public;
grant execute on function resolve_api_key(text) to herald_app;

grant select, insert, update, delete on tenants, organizations, users, memberships, api_keys to herald_app;
