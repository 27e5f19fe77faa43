-- report_clock: the instant `now` of a report and the start of its window.
-- grain: one row (temp table report_clock)
-- params: $as_of (timestamp, or null for the latest poll), $span_us (the window's length in
--         microseconds: a week for a report, all the periods of a trend)
-- The latest poll is never one in the future (after the clock + 1 h): a load refuses those
-- (reject_implausible_polls), and one kept by an older version must not set the instant.
-- The window's start keeps the name week_start_us: the report's steps read it as their start.
create or replace temp table report_clock as

with

latest as (
    select max(t_us) as t_us
    from poll_instants
    where t_us <= epoch_us(cast(now() as timestamp)) + 3600000000
),

final as (
    select
        coalesce(epoch_us(cast($as_of as timestamp)), latest.t_us) as now_us,
        coalesce(epoch_us(cast($as_of as timestamp)), latest.t_us) - $span_us as week_start_us
    from latest
)

select * from final
