-- merge_store_status: append the good staged polls that the database does not hold yet.
-- grain: one row per new poll (store_id, timestamp_utc, status, source_file)
-- params: $source_file (the file's name)
-- Re-loading a file therefore adds nothing, and one more hourly file adds only its new polls.
-- (Identical lines within one new file are kept as they are; the report collapses polls of the
-- same store and instant anyway.) A poll another file already holds is noted in poll_copies, so
-- that replacing that other file does not lose it (forget_file_polls). The polls added are
-- also kept in the temp table new_polls, which the derived tables are updated from.
create or replace temp table merge_batch as

with

good as (
    select
        store_id,
        timestamp_utc,
        status
    from staged
    where reject_reason is null
),

held as (
    select distinct
        store_status.store_id,
        store_status.timestamp_utc,
        store_status.status
    from store_status
    semi join good
        on
            store_status.store_id = good.store_id
            and store_status.timestamp_utc = good.timestamp_utc
),

final as (
    select
        good.store_id,
        good.timestamp_utc,
        good.status,
        held.store_id is not null as already_held
    from good
    left join held
        on
            good.store_id = held.store_id
            and good.timestamp_utc = held.timestamp_utc
            and good.status = held.status
)

select * from final;

insert into store_status (store_id, timestamp_utc, status, source_file)
select
    store_id,
    timestamp_utc,
    status,
    $source_file
from merge_batch
where not already_held;

insert into new_polls
select
    store_id,
    timestamp_utc,
    status
from merge_batch
where not already_held;

insert into poll_copies
select distinct
    store_id,
    timestamp_utc,
    status,
    $source_file
from merge_batch
where already_held;
