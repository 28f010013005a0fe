-- Selling from the storefront (issue 15): settings per tenant and mode, sequential order
-- numbers, carts held by a token, checkouts that quote totals for 24 h, and what an order now
-- carries (its number, every discount it received, the shopper's email and address, and whether
-- it holds its stock and coupon redemption).

create table settings (
  tenant_id uuid not null references tenants (id),
  mode text not null check (mode in ('live', 'test')),
  -- null: the tenant's own name
  shop_name text check (length(shop_name) between 1 and 200),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  timezone text not null default 'UTC' check (length(timezone) between 1 and 100),
  locale text not null default 'en' check (length(locale) between 2 and 35),
  support_email text check (length(support_email) between 3 and 320),
  order_number_prefix text not null default '#' check (length(order_number_prefix) <= 20),
  created_at timestamptz not null default clock_timestamp(),
  -- null until first changed (the row may be made with the defaults just to be locked)
  updated_at timestamptz,
  primary key (tenant_id, mode)
);

-- The last order number given per tenant and mode. Taking the next one locks this row until the
-- order's transaction ends, so numbers are sequential and gapless under concurrent creation.
create table order_numbers (
  tenant_id uuid not null references tenants (id),
  mode text not null check (mode in ('live', 'test')),
  last_number bigint not null check (last_number >= 1),
  primary key (tenant_id, mode)
);

create table carts (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  -- SHA-256 of the cart token, which is shown once, when the cart is created.
  token_hash text not null,
  -- The first item's; every item of a cart is in one currency.
  currency text check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  -- Set when one of its checkouts completes: the cart is then closed to changes.
  completed_at timestamptz,
  primary key (tenant_id, id),
  constraint carts_scope_key unique (tenant_id, mode, id)
);
create index carts_list on carts (tenant_id, mode, created_at desc, id desc);

create table cart_items (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  cart_id text not null,
  variant_id text not null,
  quantity int not null check (quantity between 1 and 999),
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id),
  unique (tenant_id, cart_id, variant_id),
  foreign key (tenant_id, mode, cart_id) references carts (tenant_id, mode, id),
  foreign key (tenant_id, mode, variant_id) references variants (tenant_id, mode, id)
);

-- A checkout quotes its cart: line items, discounts and totals as they were when it was made.
-- Completing it turns exactly that quote into an order.
create table checkouts (
  tenant_id uuid not null,
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  cart_id text not null,
  status text not null default 'open' check (status in ('open', 'completed', 'expired')),
  email text not null check (length(email) between 3 and 320),
  shipping_address jsonb not null,
  coupon_id text,
  coupon_code text,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  subtotal bigint not null check (subtotal >= 0),
  discount bigint not null check (discount >= 0 and discount <= subtotal),
  total bigint not null check (total = subtotal - discount),
  discounts jsonb not null default '[]',
  line_items jsonb not null,
  expires_at timestamptz not null,
  completed_at timestamptz,
  expired_at timestamptz,
  order_id text,
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id),
  constraint checkouts_scope_key unique (tenant_id, mode, id),
  foreign key (tenant_id, mode, cart_id) references carts (tenant_id, mode, id),
  foreign key (tenant_id, mode, coupon_id) references coupons (tenant_id, mode, id),
  foreign key (tenant_id, mode, order_id) references orders (tenant_id, mode, id)
);
create index checkouts_list on checkouts (tenant_id, mode, created_at desc, id desc);
create index checkouts_cart on checkouts (tenant_id, cart_id);
create index checkouts_open on checkouts (expires_at) where status = 'open';

alter table orders
  add column number bigint,
  add column name text,
  add column discounts jsonb not null default '[]',
  add column email text check (length(email) between 3 and 320),
  add column shipping_address jsonb,
  add column checkout_id text,
  add column source text not null default 'api' check (source in ('api', 'storefront')),
  -- The order holds its stock and its coupon redemption: from paying (API orders) or from its
  -- checkout's completion (storefront orders) until it is cancelled.
  add column reserved boolean not null default false,
  -- A storefront order still pending then is cancelled (HERALD_UNPAID_ORDER_TTL after its checkout completed).
  add column payment_due_at timestamptz,
  add foreign key (tenant_id, mode, checkout_id) references checkouts (tenant_id, mode, id);

-- Existing orders: numbered in creation order, their coupon listed as their one discount, and
-- the paid ones holding their stock. The backfill has to see every tenant's rows.
alter table orders no force row level security;
update orders o
   set number = n.number, name = '#' || n.number, reserved = o.status in ('paid', 'fulfilled'),
       discounts = case when o.coupon_id is null then '[]'::jsonb else jsonb_build_array(jsonb_build_object('id', o.coupon_id, 'amount', o.discount)) end
  from (select tenant_id, id, row_number() over (partition by tenant_id, mode order by created_at, id) as number from orders) n
 where n.tenant_id = o.tenant_id and n.id = o.id;
insert into order_numbers (tenant_id, mode, last_number) select tenant_id, mode, max(number) from orders group by tenant_id, mode;
alter table orders force row level security;
alter table orders alter column number set not null, alter column name set not null;
create unique index orders_number on orders (tenant_id, mode, number);

-- Every new order takes the next number of its tenant and mode, and its name (the settings'
-- prefix, then the number), whichever statement inserts it: taking the number locks the counter
-- row until the order's transaction ends, so numbers follow commit order without gaps (a rolled
-- back order gives its number back). Runs as the inserting role, under its row-level security.
create function assign_order_number() returns trigger
language plpgsql as $$
begin
  insert into order_numbers as c (tenant_id, mode, last_number) values (new.tenant_id, new.mode, 1)
    on conflict (tenant_id, mode) do update set last_number = c.last_number + 1
    returning last_number into new.number;
  new.name := coalesce((select s.order_number_prefix from settings s where s.tenant_id = new.tenant_id and s.mode = new.mode), '#') || new.number;
  return new;
end
$$;
create trigger orders_number before insert on orders for each row execute function assign_order_number();
create index orders_unpaid on orders (payment_due_at) where status = 'pending' and source = 'storefront';

call herald_isolate_tenant_table('settings');
call herald_isolate_tenant_table('order_numbers');
call herald_isolate_tenant_table('carts');
call herald_isolate_tenant_table('cart_items');
call herald_isolate_tenant_table('checkouts');

grant select, insert, update on settings, order_numbers, carts, checkouts to herald_app;
grant select, insert, update, delete on cart_items to herald_app;

-- The worker's periodic work across tenants (workers/housekeeping.ts): ids and scope only; each
-- row is then changed under its own tenant by a conditional update that re-checks the rule.
create function expired_checkouts(p_now timestamptz, p_max int)
returns table (tenant_id uuid, mode text, checkout_id text)
language sql stable security definer set search_path = public, pg_temp
as $$
  select c.tenant_id, c.mode, c.id from checkouts c
   where c.status = 'open' and c.expires_at <= p_now
   order by c.expires_at, c.id limit p_max
$$;

create function unpaid_storefront_orders(p_now timestamptz, p_max int)
returns table (tenant_id uuid, mode text, order_id text)
language sql stable security definer set search_path = public, pg_temp
as $$
  select o.tenant_id, o.mode, o.id from orders o
   where o.status = 'pending' and o.source = 'storefront' and o.payment_due_at <= p_now
   order by o.payment_due_at, o.id limit p_max
$$;

grant select (tenant_id, mode, id, status, expires_at) on checkouts to herald_lookup;
grant select (tenant_id, mode, id, status, source, payment_due_at) on orders to herald_lookup;
alter function expired_checkouts(timestamptz, int) owner to herald_lookup;
alter function unpaid_storefront_orders(timestamptz, int) owner to herald_lookup;
revoke all on function expired_checkouts(timestamptz, int), unpaid_storefront_orders(timestamptz, int) from public;
grant execute on function expired_checkouts(timestamptz, int), unpaid_storefront_orders(timestamptz, int) to herald_app;
