-- Custom storefront domains: tenant-scoped rows (RLS like every tenant table), each domain
-- registered to at most one tenant. Storefronts serve live data only, so every row is live.

create table domains (
  tenant_id uuid not null references tenants (id),
  domain text not null check (length(domain) between 3 and 253 and domain = lower(domain)),
  mode text not null default 'live' check (mode = 'live'),
  created_at timestamptz not null default now(),
  primary key (tenant_id, domain)
);
-- One owner per host name. This is the one cross-tenant unique constraint (see docs/storefront.md:
-- on Citus it would move to a reference table of claimed names).
create unique index domains_domain_key on domains (domain);

alter table domains enable row level security;
alter table domains force row level security;
create policy tenant_isolation on domains
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
         and mode = nullif(current_setting('app.mode', true), ''))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
              and mode = nullif(current_setting('app.mode', true), ''));

-- Host → tenant id, before any tenant is known. Only active tenants resolve, so a suspended
-- shop is indistinguishable from an unknown host. Returns the id only.
create function resolve_storefront_domain(p_domain text)
returns uuid
language sql stable security definer set search_path = public, pg_temp
as $$
  select d.tenant_id
    from domains d join tenants t on t.id = d.tenant_id
   where d.domain = p_domain and t.status = 'active'
$$;

-- <slug>.<HERALD_STOREFRONT_DOMAIN> → tenant id, by the same rule (tenants is a global table).
create function resolve_storefront_slug(p_slug text)
returns uuid
language sql stable security definer set search_path = public, pg_temp
as $$
  select t.id from tenants t where t.slug = p_slug and t.status = 'active'
$$;

grant select on domains to herald_lookup;
alter function resolve_storefront_domain(text) owner to herald_lookup;
alter function resolve_storefront_slug(text) owner to herald_lookup;
revoke all on function resolve_storefront_domain(text), resolve_storefront_slug(text) from public;
grant execute on function resolve_storefront_domain(text), resolve_storefront_slug(text) to herald_app;

grant select, insert, delete on domains to herald_app;
