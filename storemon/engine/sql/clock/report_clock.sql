-- report_clock: the instant `now` of a report and the start of its week window.
-- grain: one row (temp table report_clock)
-- params: $as_of (timestamp, or null for the latest poll)
-- The latest poll is never one in the future (after the clock + 1 h): a load refuses those
-- (reject_implausible_polls), and one kept by an older version must not set the instant.
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
        coalesce(epoch_us(cast($as_of as timestamp)), latest.t_us) - 604800000000 as week_start_us
    from latest
)

select * from final
