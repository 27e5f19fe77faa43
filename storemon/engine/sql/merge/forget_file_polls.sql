-- forget_file_polls: remove the polls of a file that is loaded again whole (its content changed).
-- grain: n/a (delete, then restore the polls another file holds too)
-- params: $source_file (the file's name)
-- Its hot polls are deleted here, its archived ones by storemon.engine.archive (they are listed
-- in archive_forgotten first). A poll another file holds too (poll_copies) is put back under that
-- file's name. The stores of the forgotten polls are rebuilt (changed_stores).
create or replace temp table forgotten as

with

final as (
    select
        store_id,
        timestamp_utc,
        status
    from store_status
    where source_file = $source_file
    union all
    select
        store_id,
        timestamp_utc,
        status
    from archive_forgotten
)

select * from final;

delete from store_status
where source_file = $source_file;

delete from poll_copies
where source_file = $source_file;

insert into changed_stores
select distinct store_id from forgotten;

create or replace temp table restored_copies as
select
    poll_copies.store_id,
    poll_copies.timestamp_utc,
    poll_copies.status,
    min(poll_copies.source_file) as source_file
from poll_copies
semi join forgotten
    on
        poll_copies.store_id = forgotten.store_id
        and poll_copies.timestamp_utc = forgotten.timestamp_utc
        and poll_copies.status = forgotten.status
group by all;

insert into store_status (store_id, timestamp_utc, status, source_file)
select * from restored_copies;

delete from poll_copies
using restored_copies
where
    poll_copies.store_id = restored_copies.store_id
    and poll_copies.timestamp_utc = restored_copies.timestamp_utc
    and poll_copies.status = restored_copies.status
    and poll_copies.source_file = restored_copies.source_file;
