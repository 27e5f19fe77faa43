-- report_outages: the times each store is taken to be inactive, inside the report window.
-- grain: one row per run of inactive observations (temp table report_outages):
-- [run_lo_hus, run_hi_hus) in ticks (half-microseconds, suffix _hus: the midpoint of two polls
-- can fall on half a microsecond), with the run's first inactive observation first_us and the
-- observation after it next_us (see the macro outage_runs)
-- params: $method ('nearest' | 'carry_forward'; reads report_polls and report_clock)
-- The report's observations (report_polls) packed in one bigint, 2 * t_us + active, and cut into
-- runs inside the window [week start, now) by the macro outage_runs, which sqlfluff cannot see.
create or replace temp table report_outages as

with

observations as (  -- noqa: ST03
    select
        store_key,
        2 * t_us + active::bigint as packed
    from report_polls
    where observed
),

final as (
    select * from outage_runs(observations, $method, report_clock)
)

select * from final
