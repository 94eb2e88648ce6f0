-- Products: leave the unique SKU index as the only index that starts with
-- (tenant_id, sandbox). On PostgreSQL a statement prepared while the
-- table is still empty keeps a generic plan; with a second such index it
-- may pick that one and filter by SKU, which turned the first large CSV
-- import into a scan of the whole catalogue per row. Lists are in SKU
-- order, served by the unique index; the category filter reads the
-- tenant's rows through it too.
DROP INDEX IF EXISTS products_scope;
DROP INDEX IF EXISTS products_category;
