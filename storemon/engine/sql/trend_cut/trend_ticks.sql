-- trend_ticks: the business ticks of a trend's periods, as each period's report counts them.
-- grain: temp views trend_clock (one row), trend_store_periods (per store polled by now: its
-- periods), trend_zone_bounds (per zone and bound: its segment, its place of the zone's week,
-- its week) and trend_place_ticks (per store and place of its zone: the local business ticks up
-- to there, in the week of 1970-01-05); temp table trend_piece_ticks (per piece of outage in a
-- period: store_key, k, down_hus, to_bound, from_bound); in no order. storemon.engine.trend_grid
-- sums them into a periods x stores grid
-- params: $window_us (a period's length in microseconds: a day or a week), $periods (how many),
--         kept as the variables trend_window_us and trend_periods (reads stores, report_clock,
--         zone_segments, report_outages, trend_early_outages, trend_zones, trend_week_spans and
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
-- the business time of a piece [a, b) is B(b) - B(a), and nothing when b <= a). A piece starts
-- at its run's start or at its period's start bound, and ends at its run's end or at its
-- period's end bound: B is read at each run's two ends once (store_business_ticks), and at the
-- bounds from the bounds' grid. The bounds fall at the same few places of a zone's week (a day
-- apart, or a week): the local business ticks are read there once per store and place, off the
-- span at or before it, and B at a bound adds its segment's constant and whole weeks. Summing
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

-- the places numbered from 0 in each zone (its zone_no from trend_zones)
zone_places as (
    select
        distinct_places.zone,
        distinct_places.seg_no,
        distinct_places.place_hus,
        trend_zones.zone_no,
        row_number() over (
            partition by distinct_places.zone
            order by distinct_places.seg_no, distinct_places.place_hus
        ) - 1 as place_no
    from distinct_places
    inner join trend_zones on distinct_places.zone = trend_zones.zone
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

-- the zones' places, each in its weekday
zone_places as (
    select distinct
        zone_no,
        place_no,
        place_hus,
        place_hus // 172800000000 as dow
    from trend_zone_bounds
),

-- Each store's local business ticks up to each place of its zone's week (in the week of
-- 1970-01-05), read off its span at or before the place as local_business_ticks reads an
-- instant's, found from the spans' side: each span looks up the few places of its zone in its
-- weekday. B at a bound at that place adds the segment's constant (as store_business_ticks does)
-- and its week_no whole weeks (storemon.engine.trend_grid).
final as (
    select
        spans.store_key,
        spans.zone_no,
        places.place_no,
        week_ticks_before(places.place_hus, spans.lo_hus, spans.hi_hus, spans.before_lo_hus)
            as local_b_hus,
        spans.week_hus
    from trend_week_spans as spans
    inner join zone_places as places
        on
            spans.zone_no = places.zone_no
            and spans.dow = places.dow
            and spans.lo_hus <= places.place_hus
            and spans.next_lo_hus > places.place_hus
)

select * from final;

-- The pieces, as a table made with one optimizer off: B at each run's ends takes two joins on
-- the store's weekday, which DuckDB would build on the runs (fewer rows than the week's spans,
-- but wide ones) and probe with the spans; built on the spans instead (the side named last, as
-- in every join of this step) and probed with the runs, they cost less.
set disabled_optimizers = 'build_side_probe_side';

create or replace temp table trend_piece_ticks as

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

-- B at each run's end, then at its start, once per run (through the macro
-- store_business_ticks, which sqlfluff cannot see): its pieces end there or at a bound
run_ends as (  -- noqa: ST03
    select
        *,
        run_hi_hus as x_hus
    from runs
),

-- read through the macro store_business_ticks below (the run's start)
at_run_end as (  -- noqa: ST03
    select
        * exclude (b_hus, x_hus),
        b_hus as hi_b_hus,
        run_lo_hus as x_hus
    from store_business_ticks(run_ends, trend_week_spans, trend_store_segments)
),

run_ticks as (  -- noqa: ST03
    select
        * exclude (b_hus, x_hus),
        b_hus as lo_b_hus
    from store_business_ticks(at_run_end, trend_week_spans, trend_store_segments)
),

-- The periods a run can count in: from the newest whose end is before its next observation or
-- whose start is before its end, to the oldest that ends at or after its first observation.
run_periods as (
    select
        run_ticks.*,
        clock.now_us,
        clock.window_us,
        unnest(range(
            case
                when run_ticks.next_us is null then 0
                else greatest(0, least(
                    (2 * clock.now_us - run_ticks.run_hi_hus) // (2 * clock.window_us),
                    (clock.now_us - run_ticks.next_us) // clock.window_us + 1
                ))
            end,
            least(clock.periods - 1, (clock.now_us - run_ticks.first_us) // clock.window_us) + 1
        )) as k
    from run_ticks
    cross join trend_clock as clock
),

-- period k of a run as its bounds, [start_us, end_us)
run_bounds as (
    select
        *,
        now_us - (k + 1) * window_us as start_us,
        now_us - k * window_us as end_us
    from run_periods
),

-- A run counts in a period of its own variant: 1 when, as of the period's end, the store had no
-- poll in hours yet but has one by now (trend_early_outages), else 0 (report_outages). Its piece
-- there starts at the period's start bound when the run began before it, else at the run's
-- start; it ends at the period's end bound when the run was still open as of that end (its next
-- observation came after it, or none has come), else at the run's end (at or before that next
-- observation, so inside the period). No piece ends before it starts: the periods above are
-- those the run reaches (a run starts at or before its first observation, which is at or before
-- the oldest one's end; the newest starts before the run's end or ends before its next
-- observation), so each piece's business time is B at its end minus B at its start.
pieces as (
    select
        runs.store_key,
        runs.k,
        runs.lo_b_hus,
        runs.hi_b_hus,
        runs.run_lo_hus < 2 * runs.start_us as from_bound,
        coalesce(runs.next_us > runs.end_us, true) as to_bound
    from run_bounds as runs
    inner join stores on runs.store_key = stores.store_key
    where
        runs.variant = cast(coalesce(
            stores.first_in_hours_us > runs.end_us and stores.first_in_hours_us <= runs.now_us,
            false
        ) as integer)
),

-- The piece's business time is B at its end minus B at its start: here the parts read at its
-- run's ends, and whether it ends or starts at its period's bound (to_bound, from_bound), where
-- storemon.engine.trend_grid adds B at the bound
final as (
    select
        store_key,
        cast(k as integer) as k,
        case when to_bound then 0 else hi_b_hus end
        - case when from_bound then 0 else lo_b_hus end as down_hus,
        to_bound,
        from_bound
    from pieces
)

select * from final;

reset disabled_optimizers;
