-- merge_store_status: append the good staged polls that the database does not hold yet.
-- grain: one row per new poll (store_id, timestamp_utc, status, source_file)
-- params: $source_file (the file's name), $check_held (false when the database holds no poll
--         that could be one of these: none of another file, nor of this one when appended),
--         $append (the piece is of a grown file's new lines: its earlier lines count as held)
-- Re-loading a file therefore adds nothing, and one more hourly file adds only its new polls.
-- Identical lines within one new file are kept as they are, in whichever pieces they are (the
-- report collapses polls of the same store and instant anyway). A poll another file already
-- holds is noted in poll_copies, so that replacing that other file does not lose it
-- (forget_file_polls). The temp table held_polls keeps the piece's polls held already (few);
-- the others are the ones its derive pass reads (input_new_polls).
create or replace temp table held_polls as

with

good as (
    select
        store_id,
        timestamp_utc,
        status
    from staged
    where reject_reason is null
),

final as (
    select distinct
        store_status.store_id,
        store_status.timestamp_utc,
        store_status.status
    from store_status
    semi join good
        on
            store_status.store_id = good.store_id
            and store_status.timestamp_utc = good.timestamp_utc
            and store_status.status = good.status
    where
        $check_held
        and (store_status.source_file is distinct from $source_file or $append)
)

select * from final;

insert into store_status (store_id, timestamp_utc, status, source_file)
select
    staged.store_id,
    staged.timestamp_utc,
    staged.status,
    $source_file
from staged
anti join held_polls
    on
        staged.store_id = held_polls.store_id
        and staged.timestamp_utc = held_polls.timestamp_utc
        and staged.status = held_polls.status
where staged.reject_reason is null;

insert into poll_copies
select
    store_id,
    timestamp_utc,
    status,
    $source_file
from held_polls
