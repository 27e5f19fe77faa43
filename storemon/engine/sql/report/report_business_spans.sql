-- report_business_spans: each store's business hours inside the week window, as UTC spans.
-- grain: one row per store and disjoint span (temp table report_business_spans): [lo_hus, hi_hus)
-- in ticks (half-microseconds), with before_lo_hus = business ticks of the week before lo_hus
-- and next_lo_hus = the start of the store's next span (null for its last)
-- params: $margin_days (storemon.engine.report.WINDOW_MARGIN_DAYS; reads weekly_spans,
--         store_zones, stores, report_clock and the temp table zone_segments)
-- The local dates from $margin_days before the week to $margin_days after `now` are mapped; the
-- same $margin_days sizes segment_range_week, so zone_segments covers every one of them.
-- Each local span of each local date is mapped through every offset segment it meets, so the
-- hour skipped when clocks spring forward is never open and the hour repeated when they fall back
-- is open twice; the pieces are then merged per store (overlapping or touching rows are a union).
create or replace temp table report_business_spans as

with

window_days as (
    select
        unnest(range(
            report_clock.week_start_us // 86400000000 - $margin_days,
            report_clock.now_us // 86400000000 + $margin_days
        )) as day_no
    from report_clock
),

local_spans as (
    select
        weekly_spans.store_key,
        store_zones.zone,
        window_days.day_no * 86400000000 + weekly_spans.s as local_lo,
        window_days.day_no * 86400000000 + weekly_spans.e as local_hi
    from weekly_spans
    inner join window_days on weekly_spans.dow = (window_days.day_no + 3) % 7
    inner join store_zones on weekly_spans.store_key = store_zones.store_key
    inner join stores on weekly_spans.store_key = stores.store_key
    cross join report_clock
    where stores.first_us <= report_clock.now_us
),

utc_spans as (
    select
        local_spans.store_key,
        greatest(
            local_spans.local_lo - zone_segments.offset_us,
            zone_segments.seg_lo,
            report_clock.week_start_us
        ) as lo,
        least(
            local_spans.local_hi - zone_segments.offset_us,
            zone_segments.seg_hi,
            report_clock.now_us
        ) as hi
    from local_spans
    inner join zone_segments
        on
            local_spans.zone = zone_segments.zone
            and local_spans.local_lo - zone_segments.offset_us
            < zone_segments.seg_hi
            and local_spans.local_hi - zone_segments.offset_us
            > zone_segments.seg_lo
    cross join report_clock
),

-- read through the macro merge_spans(positive_spans), which sqlfluff cannot see
positive_spans as (  -- noqa: ST03
    select
        store_key,
        lo,
        hi
    from utc_spans
    where lo < hi
),

-- Doubled: microseconds to ticks, the unit of report_outages.
final as (
    select
        store_key,
        2 * lo as lo_hus,
        2 * hi as hi_hus,
        2 * before_lo as before_lo_hus,
        2 * next_lo as next_lo_hus
    from merge_spans(positive_spans)
)

select * from final
