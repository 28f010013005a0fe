-- Dashboard sessions (issue 14; DESIGN §1 "Session cookie"): global rows, like memberships, since
-- a user may switch between tenants. A session acts through one membership (tenant, organization)
-- in one mode; it is found through the narrow SECURITY DEFINER functions below, and herald_app
-- has no privilege on the table.
--
-- The row's id is the SHA-256 (hex) of the cookie's random token: a read of the table gives no
-- usable session. A session dies when:
--   - it is ended (logout), or replaced by a new id (login, switching tenant, organization or mode,
--     a password change: rotate_session);
--   - it has been idle longer than the idle timeout, or lived past its absolute expiry;
--   - the membership it acts through is removed (the membership's own id is recorded, so one
--     removed and added again does not bring the session back), as a login's token does;
--   - the user's credentials version moves on (a password change), as a login's token does; the
--     session that made the change is rotated onto the new version in the same transaction.
-- Every use checks all of this in one round trip (resolve_session), so no other function needs to
-- know about sessions.

create table dashboard_sessions (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id),
  -- The membership acted through: null only for a user who belongs to no organization.
  tenant_id uuid references tenants (id),
  org_id uuid,
  membership_id uuid,
  mode text not null check (mode in ('live', 'test')),
  credentials_version int not null,
  csrf_token text not null check (length(csrf_token) between 20 and 100),
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  foreign key (tenant_id, org_id) references organizations (tenant_id, id),
  check ((tenant_id is null) = (org_id is null) and (org_id is null) = (membership_id is null))
);
create index dashboard_sessions_user on dashboard_sessions (user_id, expires_at);

-- Global, but it holds a tenant_id: forced row-level security like the other global tables, so a
-- grant made by mistake later still shows one tenant at most.
alter table dashboard_sessions enable row level security;
alter table dashboard_sessions force row level security;
create policy tenant_isolation on dashboard_sessions
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

revoke all on dashboard_sessions from herald_app;
grant select, insert, update, delete on dashboard_sessions to herald_lookup;

-- A new session for the user, acting through its membership of (p_tenant, p_org) when given.
-- False (and nothing created) when the user is not a member there. Drops the user's sessions that
-- have expired, so rows do not pile up.
create function create_session(p_id text, p_user uuid, p_tenant uuid, p_org uuid, p_mode text, p_csrf text,
                               p_now timestamptz, p_idle_seconds int, p_max_age_seconds int)
returns boolean
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  mid uuid;
  version int;
begin
  if p_tenant is not null then
    select m.id into mid from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = p_user;
    if mid is null then
      return false;
    end if;
  end if;
  select u.credentials_version into version from users u where u.id = p_user;
  if version is null then
    return false;
  end if;
  delete from dashboard_sessions s
   where s.user_id = p_user and (s.expires_at <= p_now or s.last_seen_at <= p_now - make_interval(secs => p_idle_seconds));
  insert into dashboard_sessions (id, user_id, tenant_id, org_id, membership_id, mode, credentials_version, csrf_token,
                                  created_at, last_seen_at, expires_at)
  values (p_id, p_user, p_tenant, p_org, mid, p_mode, version, p_csrf, p_now, p_now, p_now + make_interval(secs => p_max_age_seconds));
  return true;
end
$$;

-- The session's user and the membership it acts through, with the membership's role now (a
-- demotion applies at once) and the tenant's status; no row when the session is unknown, idle too
-- long, past its expiry, its membership ended or the user's password changed since (the session is
-- then deleted). Records the use at most once a minute.
create function resolve_session(p_id text, p_now timestamptz, p_idle_seconds int)
returns table (user_id uuid, email text, tenant_id uuid, org_id uuid, mode text, role text, tenant_status text,
               csrf_token text, created_at timestamptz, expires_at timestamptz)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  s dashboard_sessions;
  user_email text;
  version int;
  mid uuid;
  member_role text;
  status text;
begin
  select * into s from dashboard_sessions d where d.id = p_id;
  if not found then
    return;
  end if;
  select x.email, x.credentials_version into user_email, version from users x where x.id = s.user_id;
  if s.tenant_id is not null then
    select x.id, x.role into mid, member_role from memberships x where x.tenant_id = s.tenant_id and x.org_id = s.org_id and x.user_id = s.user_id;
    select t.status into status from tenants t where t.id = s.tenant_id;
  end if;
  if s.expires_at <= p_now or s.last_seen_at <= p_now - make_interval(secs => p_idle_seconds)
     or version is distinct from s.credentials_version
     or (s.tenant_id is not null and mid is distinct from s.membership_id) then
    delete from dashboard_sessions d where d.id = p_id;
    return;
  end if;
  if s.last_seen_at < p_now - interval '1 minute' then
    update dashboard_sessions d set last_seen_at = p_now where d.id = p_id;
  end if;
  return query select s.user_id, user_email, s.tenant_id, s.org_id, s.mode, member_role, status, s.csrf_token, s.created_at, s.expires_at;
end
$$;

-- Replaces a session by a new id acting through the user's membership of (p_tenant, p_org) in
-- p_mode, with a new CSRF token and the user's credentials version now; the absolute expiry stays
-- the login's. False (and nothing changed) when the old session is gone or the user is not a
-- member there.
create function rotate_session(p_old text, p_new text, p_tenant uuid, p_org uuid, p_mode text, p_csrf text, p_now timestamptz)
returns boolean
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  s dashboard_sessions;
  mid uuid;
begin
  select * into s from dashboard_sessions d where d.id = p_old for update;
  if not found then
    return false;
  end if;
  if p_tenant is not null then
    select m.id into mid from memberships m where m.tenant_id = p_tenant and m.org_id = p_org and m.user_id = s.user_id;
    if mid is null then
      return false;
    end if;
  end if;
  delete from dashboard_sessions d where d.id = p_old;
  insert into dashboard_sessions (id, user_id, tenant_id, org_id, membership_id, mode, credentials_version, csrf_token,
                                  created_at, last_seen_at, expires_at)
  select p_new, s.user_id, p_tenant, p_org, mid, p_mode, u.credentials_version, p_csrf, s.created_at, p_now, s.expires_at
    from users u where u.id = s.user_id;
  return true;
end
$$;

-- Logout.
create function end_session(p_id text)
returns void
language sql volatile security definer set search_path = public, pg_temp as $$
  delete from dashboard_sessions d where d.id = p_id
$$;

do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname = any (array['create_session', 'resolve_session', 'rotate_session', 'end_session'])
  loop
    execute format('alter function %s owner to herald_lookup', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to herald_app', f);
  end loop;
end
$$;
