-- partition_archive_polls: a worker's stores' archived polls in a time range, from the archive.
-- grain: one row per archived poll of a store of the partition (temp table archive_polls:
-- store_id, timestamp_utc, status; the derivation reads no other column, nor does the scan)
-- params: $files (the archive's Parquet files of the range), $lo_us (first instant, microseconds
--         since the epoch, or null for the archive's start), $hi_us (end instant, excluded)
-- A report's archived polls for one partition (input_archive_files): the same columns and rows,
-- but only those of the partition's stores (the worker's stores table), kept as the files are
-- scanned. The bounds are constants,
-- so DuckDB skips row groups outside them.
create or replace temp table archive_polls as
select
    store_id,
    timestamp_utc,
    status
from archived_polls($files)
where
    timestamp_utc >= coalesce(make_timestamp($lo_us), cast('-infinity' as timestamp))
    and timestamp_utc < make_timestamp($hi_us)
    and store_id in (select stores.store_id from stores)
