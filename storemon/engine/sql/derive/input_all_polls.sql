-- input_all_polls: the polls the next derive_poll_instants reads: every hot poll.
-- grain: one row per poll (temp view derive_input)
-- params: none
create or replace temp view derive_input as
select
    store_id,
    timestamp_utc,
    status
from store_status
