-- read_archive: archived polls read back from Parquet, in a time range (and of some files' rows).
-- grain: one row per archived poll (temp table archive_polls)
-- params: $files (list of Parquet paths), $lo, $hi (timestamps: the range [lo, hi))
create or replace temp table archive_polls as
select
    store_id,
    timestamp_utc,
    status,
    source_file
from read_parquet($files)
where timestamp_utc >= $lo and timestamp_utc < $hi
