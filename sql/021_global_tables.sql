-- Global tables behind narrow functions (issue 12, findings 6 and 12).
--
-- herald_app loses every privilege on the global tables (tenants, organizations, users,
-- memberships, domain_routes): it can no longer un-suspend a tenant or read a password hash. What
-- the application needs from them goes through the SECURITY DEFINER functions below, owned by
-- herald_lookup (NOLOGIN), each doing one thing; none returns a password hash. Their callers are
-- in src/db/crossTenant.ts.
--
-- Custom storefront domains move to the global reference table `domain_routes (domain primary
-- key, tenant_id)` (DESIGN §7): a host name is unique across tenants, which a distributed tenant
-- table cannot promise.
--
-- Every table holding a tenant_id has forced row-level security, the global ones too (scoped by
-- tenant only: they have no mode), so a grant made by mistake later still shows one tenant at most.

-- Operator-set per-tenant API limit (requests per second, DESIGN §5).
alter table tenants add column api_rate_limit int not null default 1000 check (api_rate_limit between 1 and 1000000);

-- A user's credentials version: every token minted from a login carries it, and a password change
-- moves it on, which ends every older token except the one that made the change (kept_token, its
-- jti). Sessions (the dashboard's, later) check the same version.
alter table users add column credentials_version int not null default 1;
alter table users add column kept_token text;

-- Each membership gets an id of its own: a token names the membership it was issued for, so one
-- removed and added again does not bring its old tokens back.
alter table memberships add column id uuid not null default gen_random_uuid();

create table domain_routes (
  domain text primary key check (length(domain) between 3 and 253 and domain = lower(domain)),
  tenant_id uuid not null references tenants (id),
  created_at timestamptz not null default now()
);
create index domain_routes_tenant on domain_routes (tenant_id, domain);
alter table domains no force row level security;
insert into domain_routes (domain, tenant_id, created_at) select domain, tenant_id, created_at from domains;
drop function resolve_storefront_domain(text);
drop table domains;

do $$
declare
  t text;
begin
  foreach t in array array['organizations', 'memberships', 'domain_routes'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
      with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
  end loop;
end
$$;

revoke all on tenants, organizations, users, memberships, domain_routes from herald_app;
grant select, insert, update on tenants, users to herald_lookup;
grant select, insert on organizations to herald_lookup;
grant select, insert, update, delete on memberships, domain_routes to herald_lookup;

-- Tenants -----------------------------------------------------------------------------------

create function tenant_by_id(p_id uuid)
returns table (id uuid, name text, slug text, status text, api_rate_limit int, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select t.id, t.name, t.slug, t.status, t.api_rate_limit, t.created_at from tenants t where t.id = p_id
$$;

create function list_tenants(p_limit int, p_after uuid)
returns table (id uuid, name text, slug text, status text, api_rate_limit int, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select t.id, t.name, t.slug, t.status, t.api_rate_limit, t.created_at from tenants t
   where p_after is null or (t.created_at, t.id) < (select a.created_at, a.id from tenants a where a.id = p_after)
   order by t.created_at desc, t.id desc limit p_limit
$$;

create function create_tenant(p_id uuid, p_name text, p_slug text)
returns table (id uuid, name text, slug text, status text, api_rate_limit int, created_at timestamptz)
language sql volatile security definer set search_path = public, pg_temp as $$
  insert into tenants as t (id, name, slug) values (p_id, p_name, p_slug)
  returning t.id, t.name, t.slug, t.status, t.api_rate_limit, t.created_at
$$;

-- null leaves a field as it is.
create function update_tenant(p_id uuid, p_status text, p_api_rate_limit int)
returns table (id uuid, name text, slug text, status text, api_rate_limit int, created_at timestamptz)
language sql volatile security definer set search_path = public, pg_temp as $$
  update tenants t set status = coalesce(p_status, t.status), api_rate_limit = coalesce(p_api_rate_limit, t.api_rate_limit)
   where t.id = p_id
  returning t.id, t.name, t.slug, t.status, t.api_rate_limit, t.created_at
$$;

-- Organizations -----------------------------------------------------------------------------

create function create_organization(p_tenant uuid, p_id uuid, p_name text)
returns table (tenant_id uuid, id uuid, name text, created_at timestamptz)
language sql volatile security definer set search_path = public, pg_temp as $$
  insert into organizations as o (tenant_id, id, name) values (p_tenant, p_id, p_name)
  returning o.tenant_id, o.id, o.name, o.created_at
$$;

create function organization_by_id(p_tenant uuid, p_id uuid)
returns table (tenant_id uuid, id uuid, name text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select o.tenant_id, o.id, o.name, o.created_at from organizations o where o.tenant_id = p_tenant and o.id = p_id
$$;

-- Users: never the password hash ------------------------------------------------------------

create function create_user(p_id uuid, p_email text, p_password_hash text)
returns table (id uuid, email text, created_at timestamptz)
language sql volatile security definer set search_path = public, pg_temp as $$
  insert into users as u (id, email, password_hash) values (p_id, p_email, p_password_hash)
  returning u.id, u.email, u.created_at
$$;

create function user_by_id(p_id uuid)
returns table (id uuid, email text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select u.id, u.email, u.created_at from users u where u.id = p_id
$$;

create function user_by_email(p_email text)
returns table (id uuid, email text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select u.id, u.email, u.created_at from users u where lower(u.email) = lower(p_email)
$$;

-- The hash's parameters and salt (`scrypt$N$r$p$salt`), without the hash: the caller derives its
-- candidate from the password given and asks password_matches. By id, or else by email.
create function password_params(p_user uuid, p_email text)
returns table (user_id uuid, params text)
language sql stable security definer set search_path = public, pg_temp as $$
  select u.id, regexp_replace(u.password_hash, '\$[^$]*$', '') from users u
   where (p_user is not null and u.id = p_user) or (p_user is null and lower(u.email) = lower(p_email))
$$;

create function password_matches(p_user uuid, p_candidate text)
returns boolean
language sql stable security definer set search_path = public, pg_temp as $$
  select coalesce((select u.password_hash = p_candidate from users u where u.id = p_user), false)
$$;

-- Sets a new hash and moves the credentials version on; `p_kept_token` (the jti of the token that
-- made the change) keeps working. Returns the new version.
create function change_password(p_user uuid, p_password_hash text, p_kept_token text)
returns int
language sql volatile security definer set search_path = public, pg_temp as $$
  update users u set password_hash = p_password_hash, credentials_version = u.credentials_version + 1, kept_token = p_kept_token
   where u.id = p_user returning u.credentials_version
$$;

-- Memberships -------------------------------------------------------------------------------

create function list_members(p_tenant uuid, p_org uuid, p_limit int, p_after uuid)
returns table (user_id uuid, email text, role text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select m.user_id, u.email, m.role, m.created_at from memberships m join users u on u.id = m.user_id
   where m.tenant_id = p_tenant and m.org_id = p_org
     and (p_after is null or (m.created_at, m.user_id) <
          (select a.created_at, a.user_id from memberships a where a.tenant_id = p_tenant and a.org_id = p_org and a.user_id = p_after))
   order by m.created_at desc, m.user_id desc limit p_limit
$$;

create function member_by_id(p_tenant uuid, p_org uuid, p_user uuid)
returns table (user_id uuid, email text, role text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select m.user_id, u.email, m.role, m.created_at from memberships m join users u on u.id = m.user_id
   where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user
$$;

-- Every membership of a user, across tenants (GET /v1/me).
create function user_memberships(p_user uuid)
returns table (tenant_id uuid, tenant_name text, org_id uuid, org_name text, role text)
language sql stable security definer set search_path = public, pg_temp as $$
  select m.tenant_id, t.name, m.org_id, o.name, m.role
    from memberships m join tenants t on t.id = m.tenant_id join organizations o on o.tenant_id = m.tenant_id and o.id = m.org_id
   where m.user_id = p_user order by t.name, t.id, o.name, o.id
$$;

-- Adds (p_create) and/or changes (p_update) a membership, one organization at a time (an advisory
-- lock per organization), so two owners demoting each other cannot leave it without an owner.
-- outcome: created | updated | exists (not p_update) | missing (not p_create) | above_role (the
-- member's current role is above p_max_role) | last_owner (the change would leave no owner).
create function put_membership(p_tenant uuid, p_org uuid, p_user uuid, p_role text, p_create boolean, p_update boolean, p_max_role text)
returns table (outcome text, user_id uuid, email text, role text, created_at timestamptz)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  ranks constant text[] := array['viewer', 'developer', 'admin', 'owner'];
  was text;
  result text;
begin
  perform pg_advisory_xact_lock(hashtextextended('memberships/' || p_tenant || '/' || p_org, 0));
  select m.role into was from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user;
  if was is null and not p_create then
    result := 'missing';
  elsif was is null then
    insert into memberships (tenant_id, org_id, user_id, role) values (p_tenant, p_org, p_user, p_role);
    result := 'created';
  elsif not p_update then
    result := 'exists';
  elsif p_max_role is not null and array_position(ranks, was) > array_position(ranks, p_max_role) then
    result := 'above_role';
  elsif was = 'owner' and p_role <> 'owner'
        and (select count(*) from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.role = 'owner') = 1 then
    result := 'last_owner';
  else
    update memberships m set role = p_role where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user;
    result := 'updated';
  end if;
  return query select result, m.user_id, u.email, m.role, m.created_at from memberships m join users u on u.id = m.user_id
                where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user;
  if not found then
    return query select result, null::uuid, null::text, null::text, null::timestamptz;
  end if;
end
$$;

-- outcome: removed | missing | above_role | last_owner (as put_membership). Tokens issued for the
-- membership die with it: every use of a user's token checks its membership (resolve_token).
create function remove_membership(p_tenant uuid, p_org uuid, p_user uuid, p_max_role text)
returns table (outcome text, role text)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  ranks constant text[] := array['viewer', 'developer', 'admin', 'owner'];
  was text;
begin
  perform pg_advisory_xact_lock(hashtextextended('memberships/' || p_tenant || '/' || p_org, 0));
  select m.role into was from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user;
  if was is null then
    return query select 'missing'::text, null::text;
  elsif p_max_role is not null and array_position(ranks, was) > array_position(ranks, p_max_role) then
    return query select 'above_role'::text, was;
  elsif was = 'owner' and (select count(*) from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.role = 'owner') = 1 then
    return query select 'last_owner'::text, was;
  else
    delete from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user;
    return query select 'removed'::text, was;
  end if;
end
$$;

-- Tokens ------------------------------------------------------------------------------------

-- What a JWT's use must know, in one round trip: the tenant's status, and that the organization is
-- the tenant's (no row otherwise); for a user's token its membership (role, id) and
-- credentials version; for a key's token whether the key is revoked (or not of this organization).
create function resolve_token(p_tenant uuid, p_org uuid, p_user uuid, p_key text)
returns table (tenant_status text, member_role text, membership_id uuid, credentials_version int, kept_token text, key_revoked boolean)
language sql stable security definer set search_path = public, pg_temp as $$
  select t.status, m.role, m.id, u.credentials_version, u.kept_token,
         case when p_key is null then null
              else coalesce((select k.revoked_at is not null or k.org_id <> p_org from api_keys k where k.tenant_id = p_tenant and k.id = p_key), true) end
    from tenants t
    join organizations o on o.tenant_id = t.id and o.id = p_org
    left join memberships m on m.tenant_id = t.id and m.org_id = p_org and m.user_id = p_user
    left join users u on u.id = m.user_id
   where t.id = p_tenant
$$;

-- Custom domains ----------------------------------------------------------------------------

create function add_domain_route(p_domain text, p_tenant uuid)
returns table (domain text, tenant_id uuid, created_at timestamptz)
language sql volatile security definer set search_path = public, pg_temp as $$
  insert into domain_routes as d (domain, tenant_id) values (p_domain, p_tenant) returning d.domain, d.tenant_id, d.created_at
$$;

-- Only the tenant's own domain: another tenant's is as missing as an unknown one.
create function remove_domain_route(p_domain text, p_tenant uuid)
returns table (domain text, tenant_id uuid, created_at timestamptz)
language sql volatile security definer set search_path = public, pg_temp as $$
  delete from domain_routes d where d.domain = p_domain and d.tenant_id = p_tenant returning d.domain, d.tenant_id, d.created_at
$$;

-- Host → tenant id, before any tenant is known. Only active tenants resolve, so a suspended
-- shop is indistinguishable from an unknown host. Returns the id only.
create function resolve_storefront_domain(p_domain text)
returns uuid
language sql stable security definer set search_path = public, pg_temp as $$
  select d.tenant_id from domain_routes d join tenants t on t.id = d.tenant_id where d.domain = p_domain and t.status = 'active'
$$;

do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname = any (array['tenant_by_id', 'list_tenants', 'create_tenant', 'update_tenant', 'create_organization',
         'organization_by_id', 'create_user', 'user_by_id', 'user_by_email', 'password_params', 'password_matches',
         'change_password', 'list_members', 'member_by_id', 'user_memberships', 'put_membership', 'remove_membership',
         'resolve_token', 'add_domain_route', 'remove_domain_route', 'resolve_storefront_domain'])
  loop
    execute format('alter function %s owner to herald_lookup', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to herald_app', f);
  end loop;
end
$$;
