-- Retention of dashboard sessions (issue 14 made them, in 050; this is the purge its hook in
-- src/services/retention.ts asked for): a session past its absolute expiry, or idle longer than
-- the idle timeout, is dead (every use checks both) and goes, in batches, with the worker's
-- retention loop. Signing in again already drops the user's own dead sessions; this bounds those
-- of users who never come back. PL/pgSQL, whose body names its table only when it runs: on a
-- fresh database this file runs before 050 creates the table.
create function purge_expired_sessions(p_now timestamptz, p_idle_seconds int, p_max int)
returns int
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  n int;
begin
  delete from dashboard_sessions s where s.id = any (array(
    select x.id from dashboard_sessions x
     where x.expires_at <= p_now or x.last_seen_at <= p_now - make_interval(secs => p_idle_seconds)
     limit p_max));
  get diagnostics n = row_count;
  return n;
end
$$;
alter function purge_expired_sessions(timestamptz, int, int) owner to herald_lookup;
revoke all on function purge_expired_sessions(timestamptz, int, int) from public;
grant execute on function purge_expired_sessions(timestamptz, int, int) to herald_app;
