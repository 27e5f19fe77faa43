-- forgotten_days: the archive's days holding polls of a file being loaded again whole.
-- grain: one row per day
-- params: none (reads archive_forgotten)
select distinct cast(timestamp_utc as date) as day
from archive_forgotten
order by day
