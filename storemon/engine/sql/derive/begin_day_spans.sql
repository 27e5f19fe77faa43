-- begin_day_spans: every store, to derive its day spans again (derive_day_spans).
-- grain: one row per store key (temp table derive_keys: every store)
-- params: none (reads stores)
-- Only a partition's worker runs it: its tables come from an export that leaves day_spans out,
-- and it derives them from weekly_spans before it places archived polls. A database keeps its
-- day spans (loads derive them with the weekly spans of the stores they key or change).
create or replace temp table derive_keys as
select store_key from stores
