-- The rest of the catalog (issue 15): variants addressable on their own (updated_at), product
-- images (URL references or the image itself, stored here), addresses listed on their own
-- (created_at), and automatic discounts. Every new table is tenant- and mode-scoped with forced
-- row-level security, and references its parent by (tenant_id, mode, id) so a row of one mode
-- can never point at the other's.

-- Makes a new table tenant-scoped the way sql/001 does every one: row-level security enabled and
-- forced, with the policy that reads the tenant and mode each transaction pins.
create procedure herald_isolate_tenant_table(t regclass)
language plpgsql as $$
begin
  execute format('alter table %s enable row level security', t);
  execute format('alter table %s force row level security', t);
  execute format($p$create policy tenant_isolation on %s
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
           and mode = nullif(current_setting('app.mode', true), ''))
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
                and mode = nullif(current_setting('app.mode', true), ''))$p$, t);
end
$$;
revoke all on procedure herald_isolate_tenant_table(regclass) from public;

-- The targets of mode-aware references. Another branch may add the same constraints to these
-- tables, so each is created only if it does not exist yet.
do $$
declare
  t text;
begin
  foreach t in array array['products', 'variants', 'customers', 'coupons', 'orders'] loop
    if not exists (select 1 from pg_constraint where conname = t || '_scope_key' and conrelid = t::regclass) then
      execute format('alter table %I add constraint %I unique (tenant_id, mode, id)', t, t || '_scope_key');
    end if;
  end loop;
end
$$;

-- Backfilling existing rows has to see every tenant's rows (forced RLS binds the owner too).
alter table variants no force row level security;
alter table variants add column updated_at timestamptz;
update variants set updated_at = created_at;
alter table variants alter column updated_at set default clock_timestamp(), alter column updated_at set not null;
alter table variants force row level security;

alter table customer_addresses add column created_at timestamptz not null default clock_timestamp();
create index customer_addresses_list on customer_addresses (tenant_id, mode, customer_id, created_at desc, id desc);

-- An image is either a reference (url: Herald never fetches it) or the image itself (content),
-- at most 5 MiB, with its type checked from its bytes and its dimensions read from them. Bytes
-- live beside their row so they commit with the product.updated event and fall under RLS.
create table product_images (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  product_id text not null,
  position int not null check (position >= 0),
  alt text check (length(alt) <= 500),
  url text check (length(url) <= 2048),
  content bytea,
  content_type text check (content_type in ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
  byte_size int check (byte_size between 1 and 5242880),
  width int check (width >= 0),
  height int check (height >= 0),
  sha256 text,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id),
  foreign key (tenant_id, mode, product_id) references products (tenant_id, mode, id),
  check ((url is null) <> (content is null)),
  check ((content is null) = (content_type is null) and (content is null) = (byte_size is null) and (content is null) = (sha256 is null))
);
-- Already-compressed formats: store out of line without trying to compress again.
alter table product_images alter column content set storage external;
create index product_images_product on product_images (tenant_id, product_id, position, id);

-- Automatic discounts: no code; the best applicable one applies to an order or checkout before
-- its coupon. Soft-deleted: orders list the ids of the discounts they received.
create table discounts (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  name text not null check (length(name) between 1 and 200),
  percent_off int check (percent_off between 1 and 100),
  amount_off bigint check (amount_off between 1 and 99999999),
  currency text check (currency ~ '^[A-Z]{3}$'),
  product_ids text[] check (product_ids is null or cardinality(product_ids) between 1 and 100),
  min_subtotal bigint check (min_subtotal between 0 and 9999999999),
  starts_at timestamptz,
  ends_at timestamptz,
  active boolean not null default true,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  deleted_at timestamptz,
  primary key (tenant_id, id),
  check ((percent_off is null) <> (amount_off is null)),
  check (amount_off is null or currency is not null),
  check (min_subtotal is null or currency is not null),
  check (ends_at is null or starts_at is null or ends_at > starts_at)
);
create index discounts_list on discounts (tenant_id, mode, created_at desc, id desc) where deleted_at is null;

call herald_isolate_tenant_table('product_images');
call herald_isolate_tenant_table('discounts');

-- Images are removed for good (their bytes with them); discounts are soft-deleted.
grant select, insert, update, delete on product_images to herald_app;
grant select, insert, update on discounts to herald_app;
