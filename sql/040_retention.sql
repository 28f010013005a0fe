-- Retention (issue 13, DESIGN §3): what accumulates is removed in small bounded batches, by the
-- worker's retention loop (workers/retention.ts), through these SECURITY DEFINER functions owned
-- by herald_lookup: they cross tenants, delete only what their rule names, and return counts only.
--
-- Batched deletes, not dropped time partitions (docs/reliability.md): with the composite foreign
-- keys between events, deliveries and attempts, every partition operation takes a lock that
-- stops the delivery pipeline's inserts (creating or attaching a partition, detaching or dropping
-- one: measured there). A DELETE takes ROW EXCLUSIVE (which inserts share) and row locks on rows
-- nobody else touches any more.
--
-- Each function works tenant by tenant over the primary key (tenant_id, id): ids are time-ordered,
-- so "older than the cutoff" is an index range (`id < floor`, the smallest id of the cutoff's
-- millisecond, computed by the caller), refined by the row's own timestamp. No new index on the
-- hot tables. One purge of a kind at a time (a transaction-scoped advisory lock; a second worker
-- finds it taken and skips its turn), so concurrent cleaners never contend for the same rows.

-- An event older than the cutoff goes, with its deliveries and their attempts, once every one of
-- its deliveries has ended (none pending or retrying) and it has been dispatched (no outbox row).
-- A delivery goes with its event (it cannot outlive what it delivers). At most p_max events per
-- call, oldest first, tenant by tenant from p_after (the tenant the previous call stopped in);
-- `next_tenant` is where to go on, null once every tenant was seen.
create function prune_expired_events(p_cutoff timestamptz, p_event_floor text, p_after uuid, p_max int)
returns table (events int, deliveries int, attempts int, next_tenant uuid)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  t uuid;
  n_events int;
  n_deliveries int;
  n_attempts int;
begin
  events := 0; deliveries := 0; attempts := 0; next_tenant := null;
  if not pg_try_advisory_xact_lock(hashtext('herald.retention.events')) then
    return next;
    return;
  end if;
  for t in select id from tenants where p_after is null or id >= p_after order by id loop
    with old as (
      select e.id from events e
       where e.tenant_id = t and e.id < p_event_floor and e.created_at < p_cutoff
         and not exists (select 1 from deliveries d where d.tenant_id = t and d.event_id = e.id and d.status in ('pending', 'retrying'))
         and not exists (select 1 from outbox o where o.tenant_id = t and o.event_id = e.id)
       order by e.id limit p_max - events
    ), doomed as (
      select d.id from deliveries d join old on d.event_id = old.id where d.tenant_id = t
    ), gone_attempts as (
      delete from delivery_attempts a using doomed where a.tenant_id = t and a.delivery_id = doomed.id returning 1
    ), gone_deliveries as (
      -- A delivery revived meanwhile (a manual retry) is kept; its event's delete then fails its
      -- foreign key and the whole batch rolls back, to be tried again once it has ended.
      delete from deliveries d using doomed where d.tenant_id = t and d.id = doomed.id and d.status not in ('pending', 'retrying') returning 1
    ), gone_events as (
      delete from events e using old where e.tenant_id = t and e.id = old.id returning 1
    )
    select (select count(*) from gone_events), (select count(*) from gone_deliveries), (select count(*) from gone_attempts)
      into n_events, n_deliveries, n_attempts;
    events := events + n_events;
    deliveries := deliveries + n_deliveries;
    attempts := attempts + n_attempts;
    if events >= p_max then
      next_tenant := t;
      exit;
    end if;
  end loop;
  return next;
end
$$;

-- Endpoints deleted before the cutoff, once none of their deliveries or attempts is left.
create function purge_deleted_endpoints(p_cutoff timestamptz, p_max int)
returns int
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  n int;
begin
  if not pg_try_advisory_xact_lock(hashtext('herald.retention.endpoints')) then
    return 0;
  end if;
  with doomed as (
    select ep.tenant_id, ep.id from webhook_endpoints ep
     where ep.deleted_at < p_cutoff
       and not exists (select 1 from deliveries d where d.tenant_id = ep.tenant_id and d.endpoint_id = ep.id)
       and not exists (select 1 from delivery_attempts a where a.tenant_id = ep.tenant_id and a.endpoint_id = ep.id)
     limit p_max
  ), secrets as (
    delete from webhook_endpoint_secrets s using doomed where s.tenant_id = doomed.tenant_id and s.endpoint_id = doomed.id
  ), gone as (
    delete from webhook_endpoints ep using doomed where ep.tenant_id = doomed.tenant_id and ep.id = doomed.id returning 1
  )
  select count(*) into n from gone;
  return n;
end
$$;

-- Idempotency records older than p_before (the API keeps them 24 h and refreshes an expired key
-- in place; these are the ones nobody came back for).
create function purge_idempotency_keys(p_before timestamptz, p_max int)
returns int
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  t uuid;
  n int := 0;
  m int;
begin
  if not pg_try_advisory_xact_lock(hashtext('herald.retention.idempotency')) then
    return 0;
  end if;
  for t in select id from tenants order by id loop
    delete from idempotency_keys k
     using (select i.mode, i.key from idempotency_keys i where i.tenant_id = t and i.created_at < p_before limit p_max - n) old
     where k.tenant_id = t and k.mode = old.mode and k.key = old.key;
    get diagnostics m = row_count;
    n := n + m;
    exit when n >= p_max;
  end loop;
  return n;
end
$$;

-- Rate-limit counters of windows that ended over an hour ago (take_rate_limit also drops some now
-- and then; this bounds the table when traffic stops).
create function purge_rate_limits(p_max int)
returns int
language sql volatile security definer set search_path = public, pg_temp as $$
  with gone as (
    delete from rate_limits r where r.key = any (array(
      select x.key from rate_limits x where x.window_start < clock_timestamp() - interval '1 hour' limit p_max))
    returning 1
  )
  select count(*)::int from gone
$$;

-- Abandoned carts: never completed and unchanged since p_before, with their items and their
-- checkouts (all expired by then: a checkout is open 24 h). A completed cart is part of its
-- order's history and stays.
create function purge_abandoned_carts(p_before timestamptz, p_cart_floor text, p_max int)
returns table (carts int, checkouts int, items int)
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  t uuid;
  n_carts int;
  n_checkouts int;
  n_items int;
begin
  carts := 0; checkouts := 0; items := 0;
  if not pg_try_advisory_xact_lock(hashtext('herald.retention.carts')) then
    return next;
    return;
  end if;
  for t in select id from tenants order by id loop
    with doomed as (
      select c.id from carts c
       where c.tenant_id = t and c.id < p_cart_floor and c.completed_at is null and c.updated_at < p_before
         and not exists (select 1 from checkouts k where k.tenant_id = t and k.cart_id = c.id and k.status <> 'expired')
       order by c.id limit p_max - carts
    ), gone_items as (
      delete from cart_items i using doomed where i.tenant_id = t and i.cart_id = doomed.id returning 1
    ), gone_checkouts as (
      delete from checkouts k using doomed where k.tenant_id = t and k.cart_id = doomed.id and k.status = 'expired' returning 1
    ), gone_carts as (
      delete from carts c using doomed where c.tenant_id = t and c.id = doomed.id returning 1
    )
    select (select count(*) from gone_carts), (select count(*) from gone_checkouts), (select count(*) from gone_items)
      into n_carts, n_checkouts, n_items;
    carts := carts + n_carts;
    checkouts := checkouts + n_checkouts;
    items := items + n_items;
    exit when carts >= p_max;
  end loop;
  return next;
end
$$;

-- Audit entries older than HERALD_AUDIT_RETENTION.
create function purge_audit_log(p_before timestamptz, p_audit_floor text, p_max int)
returns int
language plpgsql volatile security definer set search_path = public, pg_temp as $$
declare
  t uuid;
  n int := 0;
  m int;
begin
  if not pg_try_advisory_xact_lock(hashtext('herald.retention.audit')) then
    return 0;
  end if;
  for t in select id from tenants order by id loop
    delete from audit_log a
     using (select x.id from audit_log x where x.tenant_id = t and x.id < p_audit_floor and x.created_at < p_before
             order by x.id limit p_max - n) old
     where a.tenant_id = t and a.id = old.id;
    get diagnostics m = row_count;
    n := n + m;
    exit when n >= p_max;
  end loop;
  return n;
end
$$;

-- Deleting a checkout checks that no order references it: without this index that check reads
-- every order of the tenant.
create index if not exists orders_checkout on orders (tenant_id, checkout_id) where checkout_id is not null;

grant select, delete on events, deliveries, delivery_attempts, webhook_endpoints, webhook_endpoint_secrets,
  idempotency_keys, carts, cart_items, checkouts, audit_log to herald_lookup;
grant select on outbox, tenants to herald_lookup;

do $$
declare
  f text;
begin
  foreach f in array array['prune_expired_events(timestamptz, text, uuid, int)', 'purge_deleted_endpoints(timestamptz, int)',
                           'purge_idempotency_keys(timestamptz, int)', 'purge_rate_limits(int)',
                           'purge_abandoned_carts(timestamptz, text, int)', 'purge_audit_log(timestamptz, text, int)'] loop
    execute format('alter function %s owner to herald_lookup', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to herald_app', f);
  end loop;
end
$$;
