-- input_new_polls: the polls the next derive pass reads: those the last merged piece added.
-- grain: one row per poll (temp view derive_input)
-- params: none (reads the temp table merge_batch of merge_store_status)
create or replace temp view derive_input as
select
    store_id,
    timestamp_utc,
    status
from merge_batch
where not already_held
