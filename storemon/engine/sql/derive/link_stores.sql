-- link_stores: the stores of a load's new instants, where linking them starts.
-- grain: one row per store in batch_instants (temp table link_stores; read by link_instants or
--        link_first_load, and by link_first_hot)
-- params: none (reads batch_instants, hot_window)
-- from_us: the store's first batch instant in business hours (the first to link)
-- early: the batch reaches before the hot window (late polls the load moves to the archive)
create or replace temp table link_stores as
select
    store_key,
    min(t_us) as first_us,
    min(t_us) filter (where in_hours) as from_us,
    min(t_us) < coalesce(
        (select max(cutoff_us) from hot_window), -9223372036854775808
    ) as early
from batch_instants
group by store_key
