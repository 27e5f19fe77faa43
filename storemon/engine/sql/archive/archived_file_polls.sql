-- archived_file_polls: the archived polls of one file (before it is loaded again whole).
-- grain: one row per poll, into archive_forgotten (emptied first: one file at a time)
-- params: $files (every Parquet path of the archive), $source_file
delete from archive_forgotten;

insert into archive_forgotten
select
    store_id,
    timestamp_utc,
    status
from read_parquet($files)
where source_file = $source_file
