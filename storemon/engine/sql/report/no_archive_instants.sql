-- no_archive_instants: a report whose polls are all hot reads no archived instants.
-- grain: one row per archived store and instant (temp table archive_instants, empty here)
-- params: none
create or replace temp table archive_instants as
select
    store_key,
    t_us,
    active,
    in_hours
from poll_instants
where false
