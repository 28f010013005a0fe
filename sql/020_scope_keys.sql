-- Mode is part of the referential rules (issue 12, finding 5). A tenant table that is referenced
-- gets `<table>_scope_key unique (tenant_id, mode, id)`, and each child references
-- `(tenant_id, mode, parent_id)` instead of `(tenant_id, parent_id)`: a test-mode row can no longer
-- point at a live row of its own tenant, even below the application and row-level security
-- (foreign key checks do not consult RLS).

-- Adds the scope key unless it exists (another branch may add the same one to an existing table).
create function pg_temp.scope_key(tbl text) returns void language plpgsql as $$
begin
  if not exists (select 1 from pg_constraint where conname = tbl || '_scope_key' and conrelid = tbl::regclass) then
    execute format('alter table %I add constraint %I unique (tenant_id, mode, id)', tbl, tbl || '_scope_key');
  end if;
end
$$;

-- Replaces the child's foreign key on (tenant_id, col) → parent (tenant_id, id) with one that
-- includes the mode on both sides.
create function pg_temp.scope_fk(child text, col text, parent text) returns void language plpgsql as $$
declare
  old text;
begin
  perform pg_temp.scope_key(parent);
  select c.conname into old
    from pg_constraint c
   where c.contype = 'f' and c.conrelid = child::regclass and c.confrelid = parent::regclass
     and (select array_agg(a.attname::text order by a.attname) from pg_attribute a
           where a.attrelid = c.conrelid and a.attnum = any (c.conkey)) = (select array_agg(x order by x) from unnest(array['tenant_id', col]) x);
  if old is not null then
    execute format('alter table %I drop constraint %I', child, old);
  end if;
  execute format('alter table %I add constraint %I foreign key (tenant_id, mode, %I) references %I (tenant_id, mode, id)',
                 child, child || '_' || col || '_scope_fkey', col, parent);
end
$$;

select pg_temp.scope_fk('variants', 'product_id', 'products');
select pg_temp.scope_fk('customer_addresses', 'customer_id', 'customers');
select pg_temp.scope_fk('orders', 'customer_id', 'customers');
select pg_temp.scope_fk('orders', 'coupon_id', 'coupons');
select pg_temp.scope_fk('order_line_items', 'order_id', 'orders');
select pg_temp.scope_fk('order_line_items', 'variant_id', 'variants');
select pg_temp.scope_fk('webhook_endpoint_secrets', 'endpoint_id', 'webhook_endpoints');
select pg_temp.scope_fk('deliveries', 'endpoint_id', 'webhook_endpoints');
select pg_temp.scope_fk('deliveries', 'event_id', 'events');
select pg_temp.scope_fk('delivery_attempts', 'delivery_id', 'deliveries');
select pg_temp.scope_fk('delivery_attempts', 'endpoint_id', 'webhook_endpoints');
select pg_temp.scope_fk('outbox', 'event_id', 'events');

-- The migration's session goes on to the next file: leave no helpers behind.
drop function pg_temp.scope_fk(text, text, text);
drop function pg_temp.scope_key(text);
