-- report_now: the instant a prepared report is computed for, and its week window.
-- grain: one row
-- params: none (reads report_clock)
with

final as (
    select
        make_timestamp(now_us) as now,
        week_start_us
    from report_clock
)

select * from final
