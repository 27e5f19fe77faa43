-- store_days_batch: the store_days rows of the stores and days a load's new polls touched, again.
-- grain: one row per store and day with a poll (table store_days)
-- params: none (reads batch_instants and poll_instants)
create or replace temp table touched_days as
select distinct
    store_key,
    t_us // 86400000000 as day_no
from batch_instants;

delete from store_days
using touched_days
where
    store_days.store_key = touched_days.store_key
    and store_days.day_no = touched_days.day_no;

insert into store_days
select
    poll_instants.store_key,
    poll_instants.t_us // 86400000000 as day_no,
    max(poll_instants.t_us) filter (where poll_instants.in_hours) as last_hours_us,
    arg_max(
        poll_instants.active,
        2 * poll_instants.t_us + cast(not poll_instants.active as bigint)
    ) filter (where poll_instants.in_hours) as last_hours_active,
    max(poll_instants.t_us) as last_any_us,
    arg_max(
        poll_instants.active,
        2 * poll_instants.t_us + cast(not poll_instants.active as bigint)
    ) as last_any_active
from poll_instants
semi join touched_days
    on
        poll_instants.store_key = touched_days.store_key
        and poll_instants.t_us // 86400000000 = touched_days.day_no
-- poll_instants is kept in time order: the bound lets DuckDB skip the days the batch missed
where poll_instants.t_us >= (select min(t_us) // 86400000000 * 86400000000 from batch_instants)
group by poll_instants.store_key, day_no
