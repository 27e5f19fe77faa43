-- read_archive_changed: the changed stores' archived polls read back from Parquet.
-- grain: one row per archived poll (temp table archive_polls: store_id, timestamp_utc,
-- status; the derivation reads no other column, so the Parquet scan reads no other)
-- params: $files (list of Parquet paths); reads changed_stores (a load that changed stores
--         derives their whole archived history again)
create or replace temp table archive_polls as
select
    store_id,
    timestamp_utc,
    status
from archived_polls($files)
where store_id in (select changed_stores.store_id from changed_stores)
