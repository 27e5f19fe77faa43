-- trend_store_periods: each store's uptime and downtime in each period of a trend, exactly as
-- a report as of the period's end counts its last day or week.
-- grain: one row per period and store with a poll at or before the period's end, ordered by
-- period_end, store_id
-- params: $window_us (a period's length in microseconds: a day or a week), $periods (how many;
--         reads stores, report_clock, report_business_spans, report_outages and
--         trend_early_outages, built by storemon.engine.trend over all the periods at once)
-- Period k (0 = the newest) is [now - (k + 1) window, now - k window); the periods tile the
-- span [week_start_us, now) of report_clock. B(x) = business ticks of the span up to instant x
-- (the macro business_ticks, as in store_report): a period's business time is
-- B(end) - B(start).
-- A report as of a period's end T ignores the polls after T. An outage run [lo, hi) of the span
-- is cut to what that report sees: a run whose first inactive observation (first_us) is after T
-- had not begun as of T (its earlier part was the last active observation's status), and a run
-- whose next observation (next_us) is after T was still open as of T (the last observation's
-- status holds up to T). A store first polled in business hours after T observes all its polls
-- as of T: those periods read trend_early_outages, the others report_outages.
with

clock as (
    select
        now_us,
        cast($window_us as bigint) as window_us,
        cast($periods as bigint) as periods
    from report_clock
),

-- Edge j ends period j and starts period j - 1; a store needs the edges of its periods only.
edges as (
    select
        stores.store_key,
        unnest(range(
            0, least(clock.periods, (clock.now_us - stores.first_us) // clock.window_us + 1) + 1
        )) as j
    from stores
    cross join clock
    where stores.first_us <= clock.now_us
),

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

-- Every instant B is read at: the edges, and each run's start and end (one ASOF join);
-- read through the macro business_ticks(probes, ...), which sqlfluff cannot see
probes as (  -- noqa: ST03
    select
        edges.store_key,
        'edge' as kind,
        edges.j,
        null as variant,
        null as run_lo_hus,
        2 * (clock.now_us - edges.j * clock.window_us) as x_hus
    from edges
    cross join clock
    union all
    select
        store_key,
        'lo' as kind,
        null as j,
        variant,
        run_lo_hus,
        run_lo_hus as x_hus
    from runs
    union all
    select
        store_key,
        'hi' as kind,
        null as j,
        variant,
        run_lo_hus,
        run_hi_hus as x_hus
    from runs
),

probe_values as (
    select *
    from business_ticks(probes, report_business_spans)
),

edge_values as (
    select
        store_key,
        j,
        b_hus
    from probe_values
    where kind = 'edge'
),

store_periods as (
    select
        period_end.store_key,
        period_end.j as k,
        clock.now_us - period_end.j * clock.window_us as end_us,
        period_start.b_hus as b_start_hus,
        period_end.b_hus as b_end_hus,
        -- 1: as of the period's end the store had no poll in hours yet, but has one by now
        coalesce(
            stores.first_in_hours_us > clock.now_us - period_end.j * clock.window_us
            and stores.first_in_hours_us <= clock.now_us,
            false
        )::integer as variant
    from edge_values as period_end
    inner join edge_values as period_start
        on
            period_end.store_key = period_start.store_key
            and period_start.j = period_end.j + 1
    inner join stores on period_end.store_key = stores.store_key
    cross join clock
    where stores.first_us <= clock.now_us - period_end.j * clock.window_us
),

run_bounds as (
    select
        store_key,
        variant,
        run_lo_hus,
        max(b_hus) filter (where kind = 'lo') as b_lo_hus,
        max(b_hus) filter (where kind = 'hi') as b_hi_hus
    from probe_values
    where kind <> 'edge'
    group by store_key, variant, run_lo_hus
),

run_values as (
    select
        runs.*,
        run_bounds.b_lo_hus,
        run_bounds.b_hi_hus
    from runs
    inner join run_bounds
        on
            runs.store_key = run_bounds.store_key
            and runs.variant = run_bounds.variant
            and runs.run_lo_hus = run_bounds.run_lo_hus
),

-- The periods a run can count in: from the newest whose end is before its next observation or
-- whose start is before its end, to the oldest that ends at or after its first observation.
run_periods as (
    select
        run_values.*,
        unnest(range(
            case
                when run_values.next_us is null then 0
                else greatest(0, least(
                    (2 * clock.now_us - run_values.run_hi_hus) // (2 * clock.window_us),
                    (clock.now_us - run_values.next_us) // clock.window_us + 1
                ))
            end,
            least(clock.periods - 1, (clock.now_us - run_values.first_us) // clock.window_us)
            + 1
        )) as k
    from run_values
    cross join clock
),

downtimes as (
    select
        store_periods.store_key,
        store_periods.k,
        sum(greatest(
            0,
            case
                when run_periods.next_us <= store_periods.end_us
                    then least(run_periods.b_hi_hus, store_periods.b_end_hus)
                else store_periods.b_end_hus
            end
            - greatest(run_periods.b_lo_hus, store_periods.b_start_hus)
        )) as down_hus
    from run_periods
    inner join store_periods
        on
            run_periods.store_key = store_periods.store_key
            and run_periods.k = store_periods.k
            and run_periods.variant = store_periods.variant
    group by store_periods.store_key, store_periods.k
),

ticks as (
    select
        store_periods.store_key,
        store_periods.end_us,
        store_periods.b_end_hus - store_periods.b_start_hus as business_hus,
        coalesce(downtimes.down_hus, 0) as down_hus
    from store_periods
    left join downtimes
        on
            store_periods.store_key = downtimes.store_key
            and store_periods.k = downtimes.k
),

final as (
    select
        stores.store_id,
        make_timestamp(ticks.end_us) as period_end,
        hundredths_half_up(ticks.business_hus - ticks.down_hus, 72000000) as uptime,
        hundredths_half_up(ticks.down_hus, 72000000) as downtime
    from ticks
    inner join stores on ticks.store_key = stores.store_key
    order by period_end, stores.store_id
)

select * from final
