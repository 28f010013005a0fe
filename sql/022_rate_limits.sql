-- Rate limits held across every API process (issue 12, finding 11; DESIGN §5): one counter per
-- key and fixed window, taken through one SECURITY DEFINER function (herald_app has no privilege
-- on the table). Unlogged: counters are worth no WAL, and a crash that empties them only forgives
-- one window. Callers on hot paths (the per-tenant API limit, the storefront) take allowance in
-- chunks and spend it locally (src/services/rateLimits.ts), so most requests cost no round trip.

create unlogged table rate_limits (
  key text primary key check (length(key) <= 300),
  window_start timestamptz not null,
  used int not null check (used >= 0)
);
create index rate_limits_age on rate_limits (window_start);

-- Takes up to p_want of p_max per window of p_window_seconds (aligned to the epoch, on the
-- database's clock, so every process counts the same windows). Returns what it granted (0 when the
-- window is spent), what is left of the window after that (p_want 0 only looks), and the
-- milliseconds until the window ends. Now and then it drops counters of
-- windows that ended over an hour ago.
create function take_rate_limit(p_key text, p_window_seconds int, p_max int, p_want int)
returns table (granted int, remaining int, reset_ms int)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  now_at timestamptz := clock_timestamp();
  window_at timestamptz;
  started timestamptz;
  used_now int;
  given int;
begin
  if p_window_seconds not between 1 and 3600 or p_max < 0 or p_want < 0 then
    raise exception 'take_rate_limit: bad arguments' using errcode = '22023';
  end if;
  window_at := to_timestamp(floor(extract(epoch from now_at) / p_window_seconds) * p_window_seconds);
  insert into rate_limits (key, window_start, used) values (p_key, window_at, 0) on conflict (key) do nothing;
  select r.window_start, r.used into started, used_now from rate_limits r where r.key = p_key for update;
  if started < window_at then
    used_now := 0;
  end if;
  given := least(p_want, greatest(p_max - used_now, 0));
  update rate_limits r set window_start = window_at, used = used_now + given where r.key = p_key;
  if random() < 0.001 then
    delete from rate_limits r where r.window_start < now_at - interval '1 hour';
  end if;
  return query select given, greatest(p_max - used_now - given, 0), ceil(extract(epoch from window_at + make_interval(secs => p_window_seconds) - now_at) * 1000)::int;
end
$$;

-- The per-tenant API limit: requests per second, set by the operator (tenants.api_rate_limit).
-- Returns the limit too, so the caller can size its next chunk.
create function take_tenant_allowance(p_tenant uuid, p_want int)
returns table (granted int, remaining int, reset_ms int, api_rate_limit int)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  limit_now int;
begin
  select t.api_rate_limit into limit_now from tenants t where t.id = p_tenant;
  if limit_now is not null then
    return query select g.granted, g.remaining, g.reset_ms, limit_now from take_rate_limit('api:' || p_tenant::text, 1, limit_now, p_want) g;
  end if;
end
$$;

grant select, insert, update, delete on rate_limits to herald_lookup;
alter function take_rate_limit(text, int, int, int) owner to herald_lookup;
alter function take_tenant_allowance(uuid, int) owner to herald_lookup;
revoke all on function take_rate_limit(text, int, int, int), take_tenant_allowance(uuid, int) from public;
grant execute on function take_rate_limit(text, int, int, int), take_tenant_allowance(uuid, int) to herald_app;
