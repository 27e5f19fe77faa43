-- input_archive_polls: the polls the next derive_poll_instants reads: archived polls read back.
-- grain: one row per poll (temp view derive_input)
-- params: none (reads the temp table archive_polls that storemon.engine.archive fills)
create or replace temp view derive_input as
select
    store_id,
    timestamp_utc,
    status
from archive_polls
