-- no_archive_instants: a report whose polls are all hot reads no archived instants.
-- grain: one row per archived store and instant (temp view archive_instants, empty here)
-- params: none
-- A view, like keep_archive_instants: one connection may run either (a report, then a trend).
create or replace temp view archive_instants as
select
    store_key,
    t_us,
    active,
    in_hours,
    prev_packed
from poll_instants
where false
