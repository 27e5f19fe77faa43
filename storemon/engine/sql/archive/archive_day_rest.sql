-- archive_day_rest: the archived polls of one day's files, less those of a forgotten file.
-- grain: one row per poll kept (store_id, timestamp_utc, status, source_file), in time order
-- params: $files (the day's Parquet paths), $source_file (the file whose rows go)
select *
from archived_polls($files)
where source_file is distinct from $source_file
order by timestamp_utc, store_id
