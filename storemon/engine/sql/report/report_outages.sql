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

-- Each observation packed in one bigint, 2 * t_us + active (instants are unique per store, so
-- it orders like t_us): the window sorts and carries one column instead of two.
observations as (
    select
        store_key,
        2 * t_us + active::bigint as packed
    from report_polls
    where observed
),

neighbours as (
    select
        store_key,
        packed,
        lag(packed) over by_time as previous_packed,
        lead(packed) over by_time as next_packed
    from observations
    window by_time as (partition by store_key order by packed)
),

sequenced as (
    select
        store_key,
        packed >> 1 as t_us,
        packed & 1 = 1 as active,
        previous_packed & 1 = 1 as previous_active,
        next_packed & 1 = 1 as next_active,
        case
            when previous_packed is null then -4611686018427387904
            when $method = 'nearest' then (previous_packed >> 1) + (packed >> 1)
            else 2 * (packed >> 1)
        end as change_before_hus,
        case
            when next_packed is null then 4611686018427387904
            when $method = 'nearest' then (packed >> 1) + (next_packed >> 1)
            else 2 * (next_packed >> 1)
        end as change_after_hus
    from neighbours
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
