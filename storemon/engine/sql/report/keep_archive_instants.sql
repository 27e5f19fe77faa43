-- keep_archive_instants: the instants of archived polls a report reads, derived on the fly.
-- grain: one row per archived store and instant (temp table archive_instants)
-- params: none (reads batch_instants, derived by storemon.engine.archive from archive_polls)
create or replace temp table archive_instants as
select
    store_key,
    t_us,
    active,
    in_hours
from batch_instants
