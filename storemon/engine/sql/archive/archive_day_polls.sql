-- archive_day_polls: the hot polls of one UTC day older than the hot window, to go to Parquet.
-- grain: one row per poll (store_id, timestamp_utc, status, source_file), in time order
-- params: $day (date: the UTC day), $cutoff (timestamp: polls before it leave the hot database)
select
    store_id,
    timestamp_utc,
    status,
    source_file
from store_status
where
    timestamp_utc >= cast($day as timestamp)
    and timestamp_utc < least(cast($day as timestamp) + interval 1 day, $cutoff)
order by timestamp_utc, store_id
