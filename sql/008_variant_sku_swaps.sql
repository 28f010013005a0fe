-- A variant's sku stays unique per tenant and mode among undeleted variants, now checked at the
-- end of each statement rather than row by row: one PATCH may swap or rotate the skus of a
-- product's variants (a plain unique index refuses the intermediate state). An exclusion
-- constraint, because a unique constraint cannot be partial and a unique index cannot be deferrable.
drop index variants_sku;
alter table variants add constraint variants_sku
  exclude using btree (tenant_id with =, mode with =, sku with =) where (deleted_at is null)
  deferrable initially immediate;
