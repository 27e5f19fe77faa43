-- input_changed_polls: the polls the next derive_poll_instants reads: every hot poll of the
-- changed stores, and the polls this load added for the others.
-- grain: one row per poll (temp view derive_input)
-- params: none (reads store_status, new_polls and changed_stores)
create or replace temp view derive_input as
select
    store_status.store_id,
    store_status.timestamp_utc,
    store_status.status
from store_status
semi join changed_stores on store_status.store_id = changed_stores.store_id
union all
select
    new_polls.store_id,
    new_polls.timestamp_utc,
    new_polls.status
from new_polls
anti join changed_stores on new_polls.store_id = changed_stores.store_id
