-- derive_day_spans: each store's business hours as disjoint spans of its local week, cut at
-- local midnights, for the stores to derive (derive_poll_instants reads them to place a poll).
-- grain: one row per store, local weekday and merged span (table day_spans: the rows of the
-- stores in derive_keys replaced): [lo, hi) in microseconds after Monday 00:00 local, within day
-- day_no (0 = Monday)
-- params: none (reads derive_keys and weekly_spans)
-- Kept in the database with weekly_spans and derived with them, for the stores a load keys or
-- changes only: merging the whole fleet's hours again on every load was a quarter of an hourly
-- drop at 10x the fleet.
delete from day_spans
where store_key in (select derive_keys.store_key from derive_keys);

insert into day_spans

with

store_spans as (
    select
        weekly_spans.store_key,
        weekly_spans.dow,
        weekly_spans.s,
        weekly_spans.e
    from weekly_spans
    semi join derive_keys on weekly_spans.store_key = derive_keys.store_key
),

-- The weekly spans as spans of the local week [0, 7 days), Monday 00:00 = 0; a span past Sunday
-- midnight wraps to Monday;
-- read through the macro merge_spans(week_pieces), which sqlfluff cannot see
week_pieces as (  -- noqa: ST03
    select
        store_key,
        dow * 86400000000 + s as lo,
        least(dow * 86400000000 + e, 604800000000) as hi
    from store_spans
    union all
    select
        store_key,
        0 as lo,
        dow * 86400000000 + e - 604800000000 as hi
    from store_spans
    where dow * 86400000000 + e > 604800000000
),

-- merged per store into disjoint spans (the macro merge_spans).
week_spans as (
    select
        store_key,
        lo,
        hi
    from merge_spans(week_pieces)
),

span_days as (
    select
        store_key,
        lo,
        hi,
        unnest(generate_series(lo // 86400000000, (hi - 1) // 86400000000)) as day_no
    from week_spans
),

final as (
    select
        store_key,
        day_no,
        greatest(lo, day_no * 86400000000) as lo,
        least(hi, (day_no + 1) * 86400000000) as hi
    from span_days
)

select * from final
