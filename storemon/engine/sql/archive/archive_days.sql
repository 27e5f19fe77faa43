-- archive_days: the UTC days holding hot polls older than the hot window (they move to Parquet).
-- grain: one row per day
-- params: $cutoff (timestamp: polls before it leave the hot database)
select distinct cast(timestamp_utc as date) as day
from store_status
where timestamp_utc < $cutoff
order by day
