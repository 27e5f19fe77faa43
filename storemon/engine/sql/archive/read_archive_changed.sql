-- read_archive_changed: the changed stores' archived polls read back from Parquet, in a range.
-- grain: one row per archived poll (temp table archive_polls: store_id, timestamp_utc,
-- status; the derivation reads no other column, so the Parquet scan reads no other)
-- params: $files (list of Parquet paths), $lo, $hi (timestamps: the range [lo, hi)); reads
--         changed_stores (a load that changed stores derives their archived history again)
create or replace temp table archive_polls as
select
    store_id,
    timestamp_utc,
    status
from archived_polls($files)
where
    timestamp_utc >= $lo
    and timestamp_utc < $hi
    and store_id in (select changed_stores.store_id from changed_stores)
