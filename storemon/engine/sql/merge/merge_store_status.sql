-- merge_store_status: append the good staged polls that the database does not hold yet.
-- grain: one row per new poll (store_id, timestamp_utc, status, source_file)
-- params: $source_file (the file's name), $check_held (false when the database holds no poll
--         that could be one of these: none of another file, nor of this one when appended),
--         $append (the piece is of a grown file's new lines: its earlier lines count as held)
-- Re-loading a file therefore adds nothing, and one more hourly file adds only its new polls.
-- Identical lines within one new file are kept as they are, in whichever pieces they are (the
-- report collapses polls of the same store and instant anyway). A poll another file already
-- holds is noted in poll_copies, so that replacing that other file does not lose it
-- (forget_file_polls). The temp table merge_batch keeps the piece's polls: those added
-- (not already_held) are the ones its derive pass reads (input_new_polls).
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
    where
        $check_held
        and (store_status.source_file is distinct from $source_file or $append)
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

insert into poll_copies
select distinct
    store_id,
    timestamp_utc,
    status,
    $source_file
from merge_batch
where already_held;
