-- Commerce resources (products + variants, customers + addresses, coupons, orders + line items)
-- and idempotency records. All tenant- and mode-scoped with forced row-level security.
-- Products, customers and coupons are soft-deleted (deleted_at): orders keep referring to them,
-- and their unique values (sku, email, code) are freed for reuse.

create table products (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  name text not null check (length(name) between 1 and 500),
  description text check (length(description) <= 5000),
  active boolean not null default true,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  deleted_at timestamptz,
  primary key (tenant_id, id)
);
create index products_list on products (tenant_id, mode, created_at desc, id desc) where deleted_at is null;

create table variants (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  product_id text not null,
  position int not null,
  sku text not null check (length(sku) between 1 and 100),
  price bigint not null check (price between 0 and 99999999),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  inventory_quantity int not null check (inventory_quantity >= 0),
  created_at timestamptz not null default clock_timestamp(),
  deleted_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, product_id) references products (tenant_id, id)
);
create unique index variants_sku on variants (tenant_id, mode, sku) where deleted_at is null;
create index variants_product on variants (tenant_id, product_id);

create table customers (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  email text not null check (length(email) between 3 and 320),
  name text check (length(name) <= 500),
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  deleted_at timestamptz,
  primary key (tenant_id, id)
);
create unique index customers_email on customers (tenant_id, mode, lower(email)) where deleted_at is null;
create index customers_list on customers (tenant_id, mode, created_at desc, id desc) where deleted_at is null;

create table customer_addresses (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  customer_id text not null,
  position int not null,
  line1 text not null,
  line2 text,
  city text not null,
  state text,
  postal_code text,
  country text not null check (country ~ '^[A-Z]{2}$'),
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customers (tenant_id, id)
);
create index customer_addresses_customer on customer_addresses (tenant_id, customer_id);

create table coupons (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  code text not null check (length(code) between 1 and 100),
  percent_off int check (percent_off between 1 and 100),
  amount_off bigint check (amount_off between 1 and 99999999),
  currency text check (currency ~ '^[A-Z]{3}$'),
  valid_from timestamptz,
  valid_until timestamptz,
  max_redemptions int check (max_redemptions >= 1),
  times_redeemed int not null default 0 check (times_redeemed >= 0),
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  deleted_at timestamptz,
  primary key (tenant_id, id),
  check ((percent_off is null) <> (amount_off is null)),
  check ((amount_off is null) = (currency is null)),
  check (valid_until is null or valid_from is null or valid_until > valid_from)
);
create unique index coupons_code on coupons (tenant_id, mode, lower(code)) where deleted_at is null;
create index coupons_list on coupons (tenant_id, mode, created_at desc, id desc) where deleted_at is null;

create table orders (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  status text not null default 'pending' check (status in ('pending', 'paid', 'fulfilled', 'cancelled')),
  customer_id text,
  coupon_id text,
  coupon_code text,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  subtotal bigint not null check (subtotal >= 0),
  discount bigint not null check (discount >= 0 and discount <= subtotal),
  total bigint not null check (total = subtotal - discount),
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  paid_at timestamptz,
  fulfilled_at timestamptz,
  cancelled_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references customers (tenant_id, id),
  foreign key (tenant_id, coupon_id) references coupons (tenant_id, id)
);
create index orders_list on orders (tenant_id, mode, created_at desc, id desc);

-- Line items snapshot what was bought (sku, name, price), so later product edits or deletes
-- never change an order.
create table order_line_items (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  order_id text not null,
  position int not null,
  variant_id text not null,
  product_id text not null,
  sku text not null,
  name text not null,
  unit_price bigint not null check (unit_price >= 0),
  quantity int not null check (quantity between 1 and 10000),
  amount bigint not null check (amount = unit_price * quantity),
  primary key (tenant_id, id),
  foreign key (tenant_id, order_id) references orders (tenant_id, id),
  foreign key (tenant_id, variant_id) references variants (tenant_id, id)
);
create index order_line_items_order on order_line_items (tenant_id, order_id);

-- One row per Idempotency-Key, written in the transaction of the work it guards, so the stored
-- answer exists if and only if the work committed.
create table idempotency_keys (
  tenant_id uuid not null references tenants (id),
  mode text not null check (mode in ('live', 'test')),
  key text not null check (length(key) between 1 and 255),
  fingerprint text not null,
  status int,
  body json, -- json, not jsonb: a replay returns the body exactly as first sent
  created_at timestamptz not null default now(),
  primary key (tenant_id, mode, key)
);
create index idempotency_keys_age on idempotency_keys (tenant_id, mode, created_at);

do $$
declare
  t text;
begin
  foreach t in array array['products', 'variants', 'customers', 'customer_addresses', 'coupons', 'orders', 'order_line_items', 'idempotency_keys']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
             and mode = nullif(current_setting('app.mode', true), ''))
      with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
                  and mode = nullif(current_setting('app.mode', true), ''))$p$, t);
  end loop;
end
$$;

-- Resources are soft-deleted, so the app never deletes their rows; addresses are replaced on
-- update and expired idempotency records are purged.
grant select, insert, update on products, variants, customers, coupons, orders, order_line_items to herald_app;
grant select, insert, update, delete on customer_addresses, idempotency_keys to herald_app;
