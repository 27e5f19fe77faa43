-- keep_archive_instants: the instants of archived polls a report reads, derived on the fly.
-- grain: one row per archived store and instant (temp view archive_instants)
-- params: none (reads batch_instants, derived by storemon.engine.archive from archive_polls)
-- A view: report_instants and report_fallback read batch_instants through it, without a copy.
create or replace temp view archive_instants as
select
    store_key,
    t_us,
    active,
    in_hours
from batch_instants
