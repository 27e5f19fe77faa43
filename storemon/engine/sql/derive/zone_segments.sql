-- zone_segments: spans of constant UTC offset of every zone in store_zones, over a time range.
-- grain: one row per zone and offset span [seg_lo, seg_hi) in us (temp table zone_segments)
-- params: none (the range to cover is the one row of the temp table segment_range: lo_us, hi_us
--         in microseconds since the epoch)
-- Offsets are sampled hourly (DuckDB's ICU zones); an hour in which the offset changes is
-- searched second by second for the exact transition instant. The first and last spans are
-- open-ended (+-2^62). Only UTC -> local conversions are made, and those are never ambiguous:
-- local business hours are mapped back through each span they meet (report_business_spans), so
-- the choices DuckDB or zoneinfo make for skipped and repeated local times never matter.
create or replace temp table zone_segments as

with

marks as (
    select
        zones.zone,
        unnest(generate_series(
            make_timestamp((segment_range.lo_us // 3600000000 - 1) * 3600000000),
            make_timestamp((segment_range.hi_us // 3600000000 + 1) * 3600000000),
            interval 1 hour
        )) as mark
    from (select distinct zone from store_zones) as zones
    cross join segment_range
),

hour_offsets as (
    select
        zone,
        mark,
        epoch_us(timezone(zone, cast(mark as timestamptz))) - epoch_us(mark) as offset_us
    from marks
),

offset_changes as (
    select
        zone,
        mark,
        offset_us,
        lag(offset_us) over (partition by zone order by mark) as previous_offset_us
    from hour_offsets
),

transition_seconds as (
    select
        zone,
        mark as hour_end,
        offset_us as new_offset_us,
        unnest(generate_series(mark - interval 3599 second, mark, interval 1 second)) as second
    from offset_changes
    where offset_us <> previous_offset_us
),

transitions as (
    select
        zone,
        epoch_us(min(second)) as seg_lo,
        any_value(new_offset_us) as offset_us
    from transition_seconds
    where
        epoch_us(timezone(zone, cast(second as timestamptz))) - epoch_us(second) = new_offset_us
    group by zone, hour_end
),

segment_starts as (
    select
        zone,
        -4611686018427387904 as seg_lo,
        arg_min(offset_us, mark) as offset_us
    from hour_offsets
    group by zone
    union all
    select
        zone,
        seg_lo,
        offset_us
    from transitions
),

final as (
    select
        zone,
        seg_lo,
        coalesce(
            lead(seg_lo) over (partition by zone order by seg_lo), 4611686018427387904
        ) as seg_hi,
        offset_us
    from segment_starts
)

select * from final
