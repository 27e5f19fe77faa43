-- keep_archive_instants: the instants of archived polls a report reads, derived on the fly.
-- grain: one row per archived store and instant (temp view archive_instants), with its link to
-- the previous instant in hours where it still holds (prev_packed: kept instants only)
-- params: none (reads batch_instants, derived by storemon.engine.archive from archive_polls, and
--         kept_instants, read beside them for the other stores)
-- A view: report_instants and report_fallback read them through it, without a copy.
create or replace temp view archive_instants as
select
    store_key,
    t_us,
    active,
    in_hours,
    null::bigint as prev_packed
from batch_instants
union all
select
    store_key,
    t_us,
    active,
    in_hours,
    prev_packed
from kept_instants
