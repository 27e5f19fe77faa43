-- merge_poll_instants: add the instants of a load's new polls to poll_instants.
-- grain: one row per store and instant (table poll_instants): an instant already held stays one
-- row, inactive if either says so
-- params: none (reads batch_instants)
update poll_instants
set active = poll_instants.active and batch_instants.active
from batch_instants
where
    poll_instants.store_key = batch_instants.store_key
    and poll_instants.t_us = batch_instants.t_us
    and poll_instants.t_us >= (select min(t_us) from batch_instants)
    and poll_instants.active
    and not batch_instants.active;

insert into poll_instants
select
    batch_instants.store_key,
    batch_instants.t_us,
    batch_instants.active,
    batch_instants.in_hours
from batch_instants
anti join poll_instants
    on
        batch_instants.store_key = poll_instants.store_key
        and batch_instants.t_us = poll_instants.t_us
order by batch_instants.t_us, batch_instants.store_key
