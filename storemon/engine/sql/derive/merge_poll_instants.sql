-- merge_poll_instants: add the instants of a load's new polls to poll_instants, linked.
-- grain: one row per store and instant (table poll_instants): an instant already held stays one
-- row, inactive if either says so; prev_packed as link_instants found it (held instants whose
-- predecessor changed are updated)
-- params: none (reads batch_instants and instant_links; link_day_us is link_instants')
update poll_instants
set active = poll_instants.active and batch_instants.active
from batch_instants
where
    poll_instants.store_key = batch_instants.store_key
    and poll_instants.t_us = batch_instants.t_us
    and poll_instants.t_us >= getvariable('link_day_us')
    and poll_instants.active
    and not batch_instants.active;

update poll_instants
set prev_packed = relinked.prev_packed
from (
    select
        instant_links.store_key,
        instant_links.t_us,
        instant_links.prev_packed
    from instant_links
    where
        instant_links.is_held
        and instant_links.held_prev is distinct from instant_links.prev_packed
) as relinked
where
    poll_instants.store_key = relinked.store_key
    and poll_instants.t_us = relinked.t_us
    and poll_instants.t_us >= getvariable('link_day_us');

insert into poll_instants
select
    store_key,
    t_us,
    active,
    in_hours,
    prev_packed
from instant_links
where not is_held
order by t_us, store_key
