-- replace_poll_instants: the hot poll instants, all derived again (batch_instants of every poll).
-- grain: one row per store and instant (table poll_instants), in time order so that a report's
-- range filter on t_us skips the row groups outside its week
-- params: none
create or replace table poll_instants as
select
    store_key,
    t_us,
    active,
    in_hours
from batch_instants
order by t_us, store_key
