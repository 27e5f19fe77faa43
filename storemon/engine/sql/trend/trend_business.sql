-- trend_business: what a trend reads business time from: each store's week and offsets.
-- grain: one row per zone (temp table trend_zones); one row per store, span of its local week
-- and weekday the span reaches (trend_week_spans); one row per store and offset segment of its
-- zone (trend_store_segments)
-- params: none (reads stores, day_spans, store_zones and zone_segments, which
--         storemon.engine.report.prepare_report builds over the trend's span)
-- trend_zones: the zones of the stores, numbered from 0 (zone_no, in the order of their names).
-- trend_week_spans: the store's merged spans of its local week [lo_hus, hi_hus) in ticks after
-- Monday 00:00 local (day_spans, doubled), with before_lo_hus (the week's business ticks before
-- lo_hus), week_hus (the whole week's) and next_lo_hus (the next span's start, or the week's
-- end); a span has a row for each weekday (dow) from its start to the next span's, so that an
-- instant's weekday finds the span at or before it by an equality (local_business_ticks), and
-- the store's zone_no (so that the places of a zone's week find each store's span there by an
-- equality on the zone, trend_place_ticks).
-- trend_store_segments: the store's zone's offset segments ([lo_hus, hi_hus) in ticks, seg_lo
-- as in zone_segments, seg_no counting them from 1, offset_us) with c_hus, the constant that
-- store_business_ticks adds to the local business ticks inside the segment.
-- A report maps the business spans of each date of its window to UTC and merges them
-- (report_business_spans); a trend reads business time at a few instants per store and period of
-- a span 4 or 5 weeks long, so it reads it off the week at those instants instead (docs/report.md,
-- "Trends"). c_hus adds up, change by change of offset, the local business ticks between the
-- wall-clock instants just before and just after the change, taken off: the local hour skipped
-- when clocks spring forward is never open, the hour repeated when they fall back is open twice,
-- as in report_business_spans, and B grows by the business time of UTC time.
-- a report's business spans, if this connection held one, belong to another window
drop table if exists report_business_spans;

create or replace temp table trend_zones as

with

zones as (
    select distinct zone
    from store_zones
),

final as (
    select
        zone,
        row_number() over (order by zone) - 1 as zone_no
    from zones
)

select * from final;

create or replace temp table trend_week_spans as

with

-- each store's spans, and one of no length before them all (every instant of the week has a
-- span at or before it, where the week's ticks are read)
spans as (
    select
        store_key,
        2 * lo as lo_hus,
        2 * hi as hi_hus
    from day_spans
    union all
    select
        store_key,
        -1 as lo_hus,
        -1 as hi_hus
    from stores
),

ordered as (
    select
        store_key,
        lo_hus,
        hi_hus,
        cast(coalesce(sum(hi_hus - lo_hus) over (
            partition by store_key order by lo_hus
            rows between unbounded preceding and 1 preceding
        ), 0) as bigint) as before_lo_hus,
        cast(sum(hi_hus - lo_hus) over (partition by store_key) as bigint) as week_hus,
        coalesce(lead(lo_hus) over (partition by store_key order by lo_hus), 1209600000000)
            as next_lo_hus
    from spans
),

-- a span's row in each weekday from its start to the next span's, so that the weekday of an
-- instant finds the span at or before it by an equality
final as (
    select
        ordered.*,
        trend_zones.zone_no,
        unnest(range(
            greatest(ordered.lo_hus, 0) // 172800000000,
            (ordered.next_lo_hus - 1) // 172800000000 + 1
        )) as dow
    from ordered
    inner join store_zones on ordered.store_key = store_zones.store_key
    inner join trend_zones on store_zones.zone = trend_zones.zone
)

select * from final;

create or replace temp table trend_store_segments as

with

zone_changes as (
    select
        zone,
        seg_lo,
        seg_hi,
        offset_us,
        lag(offset_us) over (partition by zone order by seg_lo) as before_offset_us
    from zone_segments
),

store_changes as (
    select
        store_zones.store_key,
        zone_changes.seg_lo,
        zone_changes.seg_hi,
        zone_changes.offset_us,
        zone_changes.before_offset_us
    from store_zones
    inner join zone_changes on store_zones.zone = zone_changes.zone
),

-- read through the macro local_business_ticks(change_probes, ...), which sqlfluff cannot see:
-- the wall-clock instants just before (+) and just after (-) each change of offset
change_probes as (  -- noqa: ST03
    select
        store_key,
        seg_lo,
        1 as sign,
        2 * (seg_lo + before_offset_us) as local_hus
    from store_changes
    where before_offset_us is not null
    union all
    select
        store_key,
        seg_lo,
        -1 as sign,
        2 * (seg_lo + offset_us) as local_hus
    from store_changes
    where before_offset_us is not null
),

change_ticks as (
    select
        store_key,
        seg_lo,
        sum(sign * local_b_hus) as step_hus
    from local_business_ticks(change_probes, trend_week_spans)
    group by store_key, seg_lo
),

-- The segments' ends in ticks: the first and last segments' are +-2^62 microseconds, halved
-- so that doubling them stays a bigint.
final as (
    select
        store_changes.store_key,
        store_changes.seg_lo,
        2 * greatest(store_changes.seg_lo, -1152921504606846976) as lo_hus,
        2 * least(store_changes.seg_hi, 1152921504606846976) as hi_hus,
        store_changes.offset_us,
        row_number() over (partition by store_changes.store_key order by store_changes.seg_lo)
            as seg_no,
        cast(coalesce(sum(change_ticks.step_hus) over (
            partition by store_changes.store_key order by store_changes.seg_lo
            rows unbounded preceding
        ), 0) as bigint) as c_hus
    from store_changes
    left join change_ticks
        on
            store_changes.store_key = change_ticks.store_key
            and store_changes.seg_lo = change_ticks.seg_lo
)

select * from final
