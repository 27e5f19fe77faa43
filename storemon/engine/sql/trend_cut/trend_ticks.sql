-- trend_ticks: the business ticks of a trend's periods, as each period's report counts them.
-- grain: temp views: trend_clock (one row), trend_store_periods (per store polled by now: its
-- periods), trend_zone_bounds (per zone and bound: its place of the zone's week, its week),
-- trend_place_ticks (per store and place: B there, in the week of 1970-01-05), and
-- trend_piece_ticks (per piece of outage in a period: store_key, k, down_hus), in no order;
-- storemon.engine.trend_grid sums them into a periods x stores grid
-- params: $window_us (a period's length in microseconds: a day or a week), $periods (how many),
--         kept as the variables trend_window_us and trend_periods (reads stores, store_zones,
--         report_clock, zone_segments, report_outages, trend_early_outages, trend_week_spans and
--         trend_store_segments, built by storemon.engine.trend over all the periods at once)
-- Period k (0 = the newest) is [now - (k + 1) window, now - k window); the periods tile the
-- span [week_start_us, now) of report_clock, bound j at now - j window (period k from bound
-- k + 1 to bound k). B(x) = a store's business ticks up to instant x (the macro
-- store_business_ticks): a period's business time is B at its end bound minus B at its start
-- bound, and the business time of a piece of outage [a, b) is B(b) - B(a); both are the integer
-- ticks a report counts (business_ticks over report_business_spans), so a period's uptime is
-- exactly what its report counts.
-- A report as of a period's end T ignores the polls after T. An outage run [lo, hi) of the span
-- is cut to what that report sees: a run whose first inactive observation (first_us) is after T
-- had not begun as of T (its earlier part was the last active observation's status), and a run
-- whose next observation (next_us) is after T was still open as of T (the last observation's
-- status holds up to T). A store first polled in business hours after T observes all its polls
-- as of T: those periods read trend_early_outages, the others report_outages.
-- Each run is cut into its pieces inside the periods it counts in, in time (B grows with x, so
-- the business time of a piece [a, b) is B(b) - B(a), and nothing when b <= a); each piece
-- goes through store_business_ticks twice, for B at its end and at its start. The bounds fall at
-- the same few places of a zone's week (a day apart, or a week): B is read there once per store
-- and place, off the span at or before it, and the bounds at that place add whole weeks. Summing
-- the pieces' ticks of a period gives its downtime; summed in NumPy (storemon.engine.trend_grid)
-- into a cell per store and period, they cost far less than an aggregate of millions of groups.
set variable trend_window_us = $window_us;

set variable trend_periods = $periods;

-- the newest period's end and the trend's window and periods, one row (temp view trend_clock)
create or replace temp view trend_clock as

with

final as (
    select
        now_us,
        cast(getvariable('trend_window_us') as bigint) as window_us,
        cast(getvariable('trend_periods') as bigint) as periods
    from report_clock
)

select * from final;

-- The periods of each store: those that end at or after its first poll, k = 0 ... periods - 1
-- (temp view trend_store_periods: store_key, periods; a store first polled after now has none)
create or replace temp view trend_store_periods as

with

final as (
    select
        stores.store_key,
        least(clock.periods, (clock.now_us - stores.first_us) // clock.window_us + 1) as periods
    from stores
    cross join trend_clock as clock
    where stores.first_us <= clock.now_us
)

select * from final;

create or replace temp view trend_zone_bounds as

with

-- the bounds j = 0 ... periods, at the instants now - j window
bound_numbers as (
    select unnest(range(periods + 1)) as j
    from trend_clock
),

-- each zone's offset segments, numbered from 1 in time as trend_store_segments numbers them
zone_offsets as (
    select
        zone,
        seg_lo,
        seg_hi,
        offset_us,
        row_number() over (partition by zone order by seg_lo) as seg_no
    from zone_segments
),

-- The bounds as each zone sees them: the offset segment each falls in, and the local instant
-- there as ticks since Monday 1970-01-05 00:00 local (m_hus: its week m_hus // 1 week, its
-- place in that week m_hus % 1 week, as local_business_ticks reads them)
zone_bounds as (
    select
        zone_offsets.zone,
        zone_offsets.seg_no,
        bound_numbers.j,
        2 * (clock.now_us - bound_numbers.j * clock.window_us + zone_offsets.offset_us)
        + 518400000000 as m_hus
    from bound_numbers
    cross join trend_clock as clock
    inner join zone_offsets
        on
            clock.now_us - bound_numbers.j * clock.window_us >= zone_offsets.seg_lo
            and clock.now_us - bound_numbers.j * clock.window_us < zone_offsets.seg_hi
),

-- Bounds at the same place of the week, in one segment, are whole weeks apart: the places of a
-- zone (at most 7 per segment for days, 1 for weeks)
distinct_places as (
    select distinct
        zone,
        seg_no,
        m_hus % 1209600000000 as place_hus
    from zone_bounds
),

-- the places numbered from 0 in each zone, the zones from 0
zone_places as (
    select
        zone,
        seg_no,
        place_hus,
        dense_rank() over (order by zone) - 1 as zone_no,
        row_number() over (partition by zone order by seg_no, place_hus) - 1 as place_no
    from distinct_places
),

final as (
    select
        zone_places.zone,
        zone_places.zone_no,
        zone_places.seg_no,
        zone_places.place_no,
        zone_places.place_hus,
        zone_bounds.j,
        zone_bounds.m_hus // 1209600000000 as week_no
    from zone_bounds
    inner join zone_places
        on
            zone_bounds.zone = zone_places.zone
            and zone_bounds.seg_no = zone_places.seg_no
            and zone_bounds.m_hus % 1209600000000 = zone_places.place_hus
)

select * from final;

create or replace temp view trend_place_ticks as

with

-- the zones' places
zone_places as (
    select distinct
        zone,
        zone_no,
        seg_no,
        place_no,
        place_hus
    from trend_zone_bounds
),

-- each store's places as local instants in the week of 1970-01-05 (read through the macro
-- local_business_ticks, which sqlfluff cannot see), with its segment's constant
store_places as (  -- noqa: ST03
    select
        store_periods.store_key,
        zone_places.zone_no,
        zone_places.place_no,
        zone_places.place_hus - 518400000000 as local_hus,
        segments.c_hus
    from trend_store_periods as store_periods
    inner join store_zones on store_periods.store_key = store_zones.store_key
    inner join zone_places on store_zones.zone = zone_places.zone
    inner join trend_store_segments as segments
        on
            store_periods.store_key = segments.store_key
            and zone_places.seg_no = segments.seg_no
),

-- B at each place of a store's week (as in store_business_ticks: its segment's constant and the
-- local business ticks up to it) in the week of 1970-01-05; a bound at that place adds its
-- week_no whole weeks (storemon.engine.trend_grid)
final as (
    select
        store_key,
        zone_no,
        place_no,
        c_hus + local_b_hus as b_hus,
        week_hus
    from local_business_ticks(store_places, trend_week_spans)
)

select * from final;

create or replace temp view trend_piece_ticks as

with

runs as (
    select
        0 as variant,
        *
    from report_outages
    union all
    select
        1 as variant,
        *
    from trend_early_outages
),

-- The periods a run can count in: from the newest whose end is before its next observation or
-- whose start is before its end, to the oldest that ends at or after its first observation.
run_periods as (
    select
        runs.*,
        unnest(range(
            case
                when runs.next_us is null then 0
                else greatest(0, least(
                    (2 * clock.now_us - runs.run_hi_hus) // (2 * clock.window_us),
                    (clock.now_us - runs.next_us) // clock.window_us + 1
                ))
            end,
            least(clock.periods - 1, (clock.now_us - runs.first_us) // clock.window_us) + 1
        )) as k
    from runs
    cross join trend_clock as clock
),

-- A run counts in a period of its own variant: 1 when, as of the period's end, the store had no
-- poll in hours yet but has one by now (trend_early_outages), else 0 (report_outages).
pieces as (
    select
        run_periods.store_key,
        run_periods.k,
        greatest(
            run_periods.run_lo_hus,
            2 * (clock.now_us - (run_periods.k + 1) * clock.window_us)
        ) as lo_hus,
        case
            when run_periods.next_us <= clock.now_us - run_periods.k * clock.window_us
                then least(
                    run_periods.run_hi_hus,
                    2 * (clock.now_us - run_periods.k * clock.window_us)
                )
            else 2 * (clock.now_us - run_periods.k * clock.window_us)
        end as hi_hus
    from run_periods
    inner join stores on run_periods.store_key = stores.store_key
    cross join trend_clock as clock
    where
        run_periods.variant = cast(coalesce(
            stores.first_in_hours_us > clock.now_us - run_periods.k * clock.window_us
            and stores.first_in_hours_us <= clock.now_us,
            false
        ) as integer)
),

-- B at each piece's end, then at its start (the macro store_business_ticks, which sqlfluff
-- cannot see): one row per piece, no union of its two ends
ends as (  -- noqa: ST03
    select
        store_key,
        k,
        lo_hus,
        hi_hus as x_hus
    from pieces
    where hi_hus > lo_hus
),

-- read through the macro store_business_ticks below (its start)
at_end as (  -- noqa: ST03
    select
        store_key,
        k,
        b_hus as end_b_hus,
        lo_hus as x_hus
    from store_business_ticks(ends, trend_week_spans, trend_store_segments)
),

-- the piece's downtime in its period: B at its end - B at its start
final as (  -- noqa: ST03
    select
        store_key,
        cast(k as integer) as k,
        end_b_hus - b_hus as down_hus
    from store_business_ticks(at_end, trend_week_spans, trend_store_segments)
)

select * from final
