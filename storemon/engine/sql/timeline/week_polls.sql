-- week_polls: every store's polls inside the report's week window, and which of them count.
-- grain: one row per store and poll instant in [week start, now] (t_us in microseconds, UTC)
-- params: none (reads the temp view report_polls and report_clock)
-- in_hours = taken inside business hours; observed = the report uses it as an observation.
with

final as (
    select
        report_polls.store_key,
        report_polls.t_us,
        report_polls.active,
        report_polls.in_hours,
        report_polls.observed
    from report_polls
    cross join report_clock
    where report_polls.t_us >= report_clock.week_start_us
)

select * from final
