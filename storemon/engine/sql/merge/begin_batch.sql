-- begin_batch: empty the temp tables one load fills: the polls it forgets from the archive, the
-- stores whose derived rows must be rebuilt.
-- grain: archive_forgotten one row per archived poll removed with its file; changed_stores one
-- row per store_id (duplicates allowed)
-- params: none
create or replace temp table archive_forgotten (
    store_id varchar,
    timestamp_utc timestamp,
    status varchar
);

create or replace temp table changed_stores (store_id varchar);
