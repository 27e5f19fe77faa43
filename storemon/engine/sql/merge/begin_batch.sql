-- begin_batch: empty the temp tables one load fills: the polls it adds, the polls it forgets, the
-- stores whose derived rows must be rebuilt; note the load's clock.
-- grain: new_polls one row per poll added; forgotten one row per poll removed with its file;
-- changed_stores one row per store_id (duplicates allowed); load_clock one row
-- params: none
create or replace temp table new_polls (
    store_id varchar,
    timestamp_utc timestamp,
    status varchar
);

create or replace temp table archive_forgotten (
    store_id varchar,
    timestamp_utc timestamp,
    status varchar
);

create or replace temp table changed_stores (store_id varchar);

-- The load's clock: polls later than it (plus the skew allowance) are refused as in the future.
create or replace temp table load_clock as
select cast(now() as timestamp) as clock_utc
