-- poll_range: the first and last poll instant held, in microseconds since the epoch.
-- grain: one row
-- params: none
with

final as (
    select
        coalesce(epoch_us(min(timestamp_utc)), 0) as lo_us,
        coalesce(epoch_us(max(timestamp_utc)), 0) as hi_us
    from store_status
)

select * from final
