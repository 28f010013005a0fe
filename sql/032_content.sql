-- Pages and blog posts (issue 15): Markdown bodies, a handle unique per tenant and mode, shown on
-- the storefront once published. Nothing references them, so deleting removes the row.

create table pages (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  title text not null check (length(title) between 1 and 200),
  handle text not null check (handle ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(handle) <= 100),
  body text not null check (length(body) <= 100000),
  published boolean not null default false,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id)
);
create unique index pages_handle on pages (tenant_id, mode, handle);
create index pages_list on pages (tenant_id, mode, created_at desc, id desc);

create table posts (
  tenant_id uuid not null references tenants (id),
  id text not null,
  mode text not null check (mode in ('live', 'test')),
  title text not null check (length(title) between 1 and 200),
  handle text not null check (handle ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(handle) <= 100),
  body text not null check (length(body) <= 100000),
  published boolean not null default false,
  -- Set when first published unless given; the storefront shows a post once this has passed.
  published_at timestamptz,
  tags text[] not null default '{}' check (cardinality(tags) <= 20),
  metadata jsonb not null default '{}',
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id)
);
create unique index posts_handle on posts (tenant_id, mode, handle);
create index posts_list on posts (tenant_id, mode, created_at desc, id desc);
create index posts_published on posts (tenant_id, mode, published_at desc, id desc) where published;

call herald_isolate_tenant_table('pages');
call herald_isolate_tenant_table('posts');

grant select, insert, update, delete on pages, posts to herald_app;
