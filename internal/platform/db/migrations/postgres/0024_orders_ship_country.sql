-- The ship-to country gets a column of its own so that order lists filter
-- on it in SQL (sellers look at "everything going to Germany"). It is not
-- indexed: the filter runs within one tenant's rows, and every index costs
-- bulk ingest a B-tree insert per order.
ALTER TABLE orders ADD COLUMN ship_country TEXT NOT NULL DEFAULT '';
UPDATE orders SET ship_country = COALESCE(doc::jsonb #>> '{ship_to,country}', '');
