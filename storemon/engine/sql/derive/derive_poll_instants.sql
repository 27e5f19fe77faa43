-- derive_poll_instants: the poll instants of some polls, with whether each is in business hours.
-- grain: one row per poll, appended to the temp table raw_instants (dedupe_instants then makes
-- one row per store and instant of every pass since begin_instants: batch_instants)
-- params: none (reads the temp view derive_input, stores, store_zones and the temp tables
--         day_spans (derive_day_spans) and zone_segments, built over the polls' time range)
-- in_hours: the poll's local wall-clock time (UTC + the zone's offset at that instant) falls in
-- one of the store's merged week spans, cut at local midnights (day_spans): an instant meets at
-- most one, found by a hash join on the store and the weekday, not a sort.
-- Every join below builds its hash table on the side written second (stores, the zones' spans,
-- day_spans: the small sides); DuckDB's estimate of the polls after the range join is too low,
-- and left to itself it builds on the polls instead (twice the time of the whole step).
set disabled_optimizers = 'build_side_probe_side';

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

-- Only the stores of these polls.
polled_stores as (
    select distinct store_key
    from instants
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
    semi join polled_stores on store_zones.store_key = polled_stores.store_key
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

select * from final;

reset disabled_optimizers;
