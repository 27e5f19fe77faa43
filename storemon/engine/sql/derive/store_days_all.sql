-- store_days_all: each hot store's last poll and last poll in hours of each UTC day, all again.
-- grain: one row per store and day with a poll (table store_days)
-- params: none (reads poll_instants)
-- report_fallback reads it to find a store's last observation before a report's look-back;
-- several polls at that instant: inactive wins.
create or replace table store_days as
select
    store_key,
    t_us // 86400000000 as day_no,
    max(t_us) filter (where in_hours) as last_hours_us,
    arg_max(active, 2 * t_us + cast(not active as bigint)) filter (
        where in_hours
    ) as last_hours_active,
    max(t_us) as last_any_us,
    arg_max(active, 2 * t_us + cast(not active as bigint)) as last_any_active
from poll_instants
group by store_key, day_no
