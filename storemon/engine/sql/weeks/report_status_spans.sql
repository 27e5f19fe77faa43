-- report_status_spans: every store's interpolated status over the report's week window.
-- grain: one row per store and maximal run of one status (temp table report_status_spans):
-- [lo_hus, hi_hus) in ticks (half-microseconds), clipped to the week window [week start, now)
-- params: none (reads stores and the temp tables report_clock and report_outages)
-- The fleet's version of timeline_status: a store is inactive exactly in its report_outages (the
-- spans the report counts as down) and active in the gaps between them, from the window's start
-- to `now`; a store without outages is active over the whole window.
create or replace temp table report_status_spans as

with

clock as (
    select
        now_us,
        2 * week_start_us as w_lo_hus,
        2 * now_us as w_hi_hus
    from report_clock
),

report_stores as (
    select stores.store_key
    from stores
    cross join clock
    where stores.first_us <= clock.now_us
),

inactive as (
    select
        store_key,
        run_lo_hus as lo_hus,
        run_hi_hus as hi_hus
    from report_outages
),

gaps_before as (
    select
        inactive.store_key,
        coalesce(
            lag(inactive.hi_hus) over (partition by inactive.store_key order by inactive.lo_hus),
            clock.w_lo_hus
        ) as lo_hus,
        inactive.lo_hus as hi_hus
    from inactive
    cross join clock
),

gap_after as (
    select
        report_stores.store_key,
        coalesce(max(inactive.hi_hus), any_value(clock.w_lo_hus)) as lo_hus,
        any_value(clock.w_hi_hus) as hi_hus
    from report_stores
    cross join clock
    left join inactive on report_stores.store_key = inactive.store_key
    group by report_stores.store_key
),

gaps as (
    select * from gaps_before
    union all
    select * from gap_after
),

final as (
    select
        store_key,
        lo_hus,
        hi_hus,
        false as active
    from inactive
    union all
    select
        store_key,
        lo_hus,
        hi_hus,
        true as active
    from gaps
    where lo_hus < hi_hus
)

select * from final
