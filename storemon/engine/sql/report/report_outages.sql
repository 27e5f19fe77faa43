-- report_outages: the times each store is taken to be inactive, inside the week window.
-- grain: one row per run of inactive observations (temp table report_outages):
-- [run_lo_hus, run_hi_hus) in ticks (half-microseconds, suffix _hus: the midpoint of two polls
-- can fall on half a microsecond)
-- params: $method ('nearest' | 'carry_forward')
-- The status changes half way between consecutive observations (nearest; exactly half way the
-- later one holds) or at the later observation (carry_forward). Before the first observation and
-- after the last, theirs holds (+-2^62 stand for the open ends before clipping to the window).
create or replace temp table report_outages as

with

sequenced as (
    select
        store_key,
        t_us,
        active,
        lag(active) over by_time as previous_active,
        lead(active) over by_time as next_active,
        case
            when lag(t_us) over by_time is null then -4611686018427387904
            when $method = 'nearest' then lag(t_us) over by_time + t_us
            else 2 * t_us
        end as change_before_hus,
        case
            when lead(t_us) over by_time is null then 4611686018427387904
            when $method = 'nearest' then t_us + lead(t_us) over by_time
            else 2 * lead(t_us) over by_time
        end as change_after_hus
    from report_polls
    where observed
    window by_time as (partition by store_key order by t_us)
),

run_edges as (
    select
        store_key,
        t_us,
        coalesce(previous_active, true) as starts_run,
        coalesce(next_active, true) as ends_run,
        change_before_hus,
        change_after_hus
    from sequenced
    where not active and (coalesce(previous_active, true) or coalesce(next_active, true))
),

runs as (
    select
        store_key,
        t_us,
        starts_run,
        change_before_hus as run_lo_hus,
        case
            when ends_run then change_after_hus
            else lead(change_after_hus) over (partition by store_key order by t_us)
        end as run_hi_hus
    from run_edges
),

final as (
    select
        runs.store_key,
        greatest(runs.run_lo_hus, 2 * report_clock.week_start_us) as run_lo_hus,
        least(runs.run_hi_hus, 2 * report_clock.now_us) as run_hi_hus
    from runs
    cross join report_clock
    where
        runs.starts_run
        and runs.run_lo_hus < 2 * report_clock.now_us
        and runs.run_hi_hus > 2 * report_clock.week_start_us
)

select * from final
