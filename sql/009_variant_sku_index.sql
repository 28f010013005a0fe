-- Undoes 008. A deferrable constraint is rechecked at the end of the statement, where two
-- transactions inserting the same sku at once each wait for the other: a deadlock (after a
-- second) instead of the 409 a plain unique index gives. The index is back as 003 made it; a
-- PATCH that swaps skus among a product's variants is handled by the application instead
-- (src/db/products.ts `parkVariants`).
alter table variants drop constraint variants_sku;
create unique index variants_sku on variants (tenant_id, mode, sku) where deleted_at is null;
