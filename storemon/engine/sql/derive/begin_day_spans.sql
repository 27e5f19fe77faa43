-- begin_day_spans: every store, to derive its day spans again (derive_day_spans).
-- grain: one row per store key (temp table derive_keys: every store)
-- params: none (reads stores)
-- A database keeps its day spans (loads derive them with the weekly spans of the stores they key
-- or change): only a partition's worker, whose export leaves day_spans out, and the load that
-- brings a schema-1 database up to date derive them for every store.
create or replace temp table derive_keys as
select store_key from stores
