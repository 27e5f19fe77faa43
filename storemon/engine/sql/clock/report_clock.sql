-- report_clock: the instant `now` of a report and the start of its week window.
-- grain: one row (temp table report_clock)
-- params: $as_of (timestamp, or null for the latest poll)
create or replace temp table report_clock as

with

final as (
    select
        coalesce(epoch_us(cast($as_of as timestamp)), max(t_us)) as now_us,
        coalesce(epoch_us(cast($as_of as timestamp)), max(t_us)) - 604800000000 as week_start_us
    from poll_instants
)

select * from final
