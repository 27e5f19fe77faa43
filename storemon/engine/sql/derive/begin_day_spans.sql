-- begin_day_spans: the merged day spans of every store (derive_day_spans fills them): a load's or
-- a report's derive passes then only add the stores they key.
-- grain: one row per store key (temp table derive_keys: every store); temp table day_spans made
-- empty (one row per store, local weekday and merged span, filled next)
-- params: none (reads stores)
create or replace temp table day_spans (
    store_key integer,
    day_no bigint,
    lo bigint,
    hi bigint
);

create or replace temp table derive_keys as
select store_key from stores
