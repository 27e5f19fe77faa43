-- derive_poll_instants: the poll instants of some polls, with whether each is in business hours.
-- grain: one row per poll, appended to the temp table raw_instants (dedupe_instants then makes
-- one row per store and instant of every pass since begin_instants: batch_instants)
-- params: none (reads the temp view derive_input, stores, store_zones, weekly_spans and the temp
--         table zone_segments, built over the polls' time range)
-- in_hours: the poll's local wall-clock time (UTC + the zone's offset at that instant) falls in
-- one of the store's merged week spans.
insert into raw_instants

with

instants as (
    select
        stores.store_key,
        epoch_us(derive_input.timestamp_utc) as t_us,
        derive_input.status = 'active' as active
    from derive_input
    inner join stores on derive_input.store_id = stores.store_id
),

-- The weekly spans as spans of the local week [0, 7 days), Monday 00:00 = 0; a span past Sunday
-- midnight wraps to Monday;
-- read through the macro merge_spans(week_pieces), which sqlfluff cannot see
week_pieces as (  -- noqa: ST03
    select
        store_key,
        dow * 86400000000 + s as lo,
        least(dow * 86400000000 + e, 604800000000) as hi
    from weekly_spans
    union all
    select
        store_key,
        0 as lo,
        dow * 86400000000 + e - 604800000000 as hi
    from weekly_spans
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

-- Each store's offset spans; a zone has only a few in any realistic range, so a hash join on
-- the integer store key plus a range filter beats an ASOF join partitioned by zone name.
store_segments as (
    select
        store_zones.store_key,
        zone_segments.seg_lo,
        zone_segments.seg_hi,
        zone_segments.offset_us
    from store_zones
    inner join zone_segments on store_zones.zone = zone_segments.zone
),

-- Epoch day 0 (1970-01-01) was a Thursday, local week position 3 days.
local_instants as (
    select
        instants.store_key,
        instants.t_us,
        instants.active,
        (instants.t_us + store_segments.offset_us + 3 * 86400000000) % 604800000000 as week_us
    from instants
    inner join store_segments
        on
            instants.store_key = store_segments.store_key
            and instants.t_us >= store_segments.seg_lo
            and instants.t_us < store_segments.seg_hi
),

-- The merged spans cut at local midnights: an instant meets at most one (the spans of a store
-- are disjoint), found by a hash join on the store and the weekday, not a sort.
span_days as (
    select
        store_key,
        lo,
        hi,
        unnest(generate_series(lo // 86400000000, (hi - 1) // 86400000000)) as day_no
    from week_spans
),

day_spans as (
    select
        store_key,
        day_no,
        greatest(lo, day_no * 86400000000) as lo,
        least(hi, (day_no + 1) * 86400000000) as hi
    from span_days
),

final as (
    select
        local_instants.store_key,
        local_instants.t_us,
        local_instants.active,
        day_spans.store_key is not null as in_hours
    from local_instants
    left join day_spans
        on
            local_instants.store_key = day_spans.store_key
            and local_instants.week_us // 86400000000 = day_spans.day_no
            and local_instants.week_us >= day_spans.lo
            and local_instants.week_us < day_spans.hi
)

select * from final
