-- outage_runs: the runs of inactive status of some observations, inside the report window.
-- grain: table macro outage_runs(observations, method, clock) -> one row per store and run of
--        inactive observations: [run_lo_hus, run_hi_hus) in ticks (half-microseconds: the
--        midpoint of two polls can fall on half a microsecond) clipped to the clock's window,
--        first_us = the run's first inactive observation, next_us = the observation after its
--        last one (null: none)
-- params: observations (a relation with store_key and packed = 2 * t_us + active, one row per
--         store and observation instant), method ('nearest' | 'carry_forward'), clock
--         (report_clock: the window [week_start_us, now_us); runs outside it are left out)
-- The status changes half way between consecutive observations (nearest; exactly half way the
-- later one holds) or at the later observation (carry_forward). Before the first observation and
-- after the last, theirs holds (+-2^62 stand for the open ends before clip_runs clips them to the
-- window).
-- report_outages reads the report's observations through it, trend_early_outages the polls of
-- the stores a trend's older periods observe differently; first_us and next_us tell a trend's
-- period whether the run had begun, or was still open, as of its end (trend_store_periods).
-- The packed column orders like t_us (instants are unique per store): the window sorts and
-- carries one column instead of two.
create or replace temp macro outage_runs(observations, method, clock) as table

    with

    neighbours as (
        select
            store_key,
            packed,
            lag(packed) over by_time as previous_packed,
            lead(packed) over by_time as next_packed
        from query_table(observations)
        window by_time as (partition by store_key order by packed)
    ),

    sequenced as (
        select
            store_key,
            packed >> 1 as t_us,
            packed & 1 = 1 as active,
            previous_packed & 1 = 1 as previous_active,
            next_packed & 1 = 1 as next_active,
            next_packed >> 1 as next_us,
            case
                when previous_packed is null then -4611686018427387904
                when method = 'nearest' then (previous_packed >> 1) + (packed >> 1)
                else 2 * (packed >> 1)
            end as change_before_hus,
            case
                when next_packed is null then 4611686018427387904
                when method = 'nearest' then (packed >> 1) + (next_packed >> 1)
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
            next_us,
            change_before_hus,
            change_after_hus
        from sequenced
        where
            not active
            and (coalesce(previous_active, true) or coalesce(next_active, true))
    ),

    -- read through the macro clip_runs below, which sqlfluff cannot see
    runs as (  -- noqa: ST03
        select
            store_key,
            t_us as first_us,
            starts_run,
            change_before_hus as run_lo_hus,
            case
                when ends_run then change_after_hus
                else lead(change_after_hus) over by_time
            end as run_hi_hus,
            case
                when ends_run then next_us
                else lead(next_us) over by_time
            end as next_us
        from run_edges
        window by_time as (partition by store_key order by t_us)
    ),

    final as (
        select * from clip_runs(runs, clock)
    )

    select * from final
