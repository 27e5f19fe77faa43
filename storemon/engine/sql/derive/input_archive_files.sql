-- input_archive_files: the polls the next derive_poll_instants reads: archived polls in a time
-- range, scanned from their Parquet files as they are derived.
-- grain: one row per archived poll (temp view derive_input: store_id, timestamp_utc, status)
-- params: $files (list of Parquet paths), $lo, $hi (timestamps: the range [lo, hi))
-- A view holds no $param, so the files and bounds are session variables that it reads; DuckDB
-- folds them into constants, so the scan reads only these three columns and skips the row groups
-- outside the range. Nothing is copied: segment_range_polls scans the time column alone, and
-- derive_poll_instants reads the polls once (a report's archived days are read, not kept).
set variable archive_files = $files;

set variable archive_lo = $lo;

set variable archive_hi = $hi;

create or replace temp view derive_input as
select
    store_id,
    timestamp_utc,
    status
from archived_polls(getvariable('archive_files'))
where
    timestamp_utc >= getvariable('archive_lo')
    and timestamp_utc < getvariable('archive_hi')
