-- segment_range_polls: the time range zone_segments covers when polls are derived.
-- grain: one row (temp table segment_range): lo_us, hi_us = the first and last poll instant held,
-- in microseconds since the epoch (0 when there is no poll)
-- params: none (reads the temp view derive_input)
create or replace temp table segment_range as

with

final as (
    select
        coalesce(epoch_us(min(timestamp_utc)), 0) as lo_us,
        coalesce(epoch_us(max(timestamp_utc)), 0) as hi_us
    from derive_input
)

select * from final
