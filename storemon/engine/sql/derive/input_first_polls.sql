-- input_first_polls: the polls a load into a database that held none derives: all of them.
-- grain: one row per poll (temp view derive_input)
-- params: none (reads store_status: every row is one the load added, bookkeeping's polls_held)
-- One pass over every poll, once they are all merged, instead of one per merged piece
-- (input_new_polls): each pass builds its lookups (the stores, their zones' offset spans, their
-- day spans) whole, so passes over pieces cost the pieces times the fleet.
create or replace temp view derive_input as
select
    store_id,
    timestamp_utc,
    status
from store_status
