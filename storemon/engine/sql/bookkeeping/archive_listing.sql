-- archive_listing: the Parquet files of the archive, as the database lists them.
-- grain: one row per file (path relative to the archive folder), in day order
-- params: none
select
    path,
    day
from archive_files
order by day, path
