-- input_changed_polls: the polls the next derive pass reads: every hot poll of the stores the
-- load changed (their instants and days are derived again, alone).
-- grain: one row per poll (temp view derive_input)
-- params: none (reads store_status and changed_stores)
create or replace temp view derive_input as
select
    store_status.store_id,
    store_status.timestamp_utc,
    store_status.status
from store_status
semi join changed_stores on store_status.store_id = changed_stores.store_id
