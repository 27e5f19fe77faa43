-- input_new_polls: the polls the next derive pass reads: those the last merged piece added.
-- grain: one row per poll (temp view derive_input)
-- params: none (reads the temp tables staged and held_polls of merge_store_status)
create or replace temp view derive_input as
select
    staged.store_id,
    staged.timestamp_utc,
    staged.status
from staged
anti join held_polls
    on
        staged.store_id = held_polls.store_id
        and staged.timestamp_utc = held_polls.timestamp_utc
        and staged.status = held_polls.status
where staged.reject_reason is null
