-- read_archive: archived polls read back from Parquet, in a time range (and of some files' rows).
-- grain: one row per archived poll (temp table archive_polls)
-- params: $files (list of Parquet paths), $lo, $hi (timestamps: the range [lo, hi))
create or replace temp table archive_polls as
select *
from archived_polls($files)
where timestamp_utc >= $lo and timestamp_utc < $hi
