-- timeline_polls: one store's polls inside the report's week window, and which of them count.
-- grain: one row per poll instant of the store in [week start, now], in time order
-- params: $store_id (the store's id as in the data)
-- Reads the temp tables report_polls and report_clock of storemon.report.prepare_report:
-- in_hours = taken inside business hours; observed = the report uses it as an observation.
with

store as (
    select store_key from stores
    where store_id = $store_id
),

final as (
    select
        report_polls.t_us,
        report_polls.active,
        report_polls.in_hours,
        report_polls.observed
    from report_polls
    inner join store on report_polls.store_key = store.store_key
    cross join report_clock
    where report_polls.t_us >= report_clock.week_start_us
    order by report_polls.t_us
)

select * from final
