-- report_cold_stores: needy stores whose last observation before the look-back was not found:
-- it is older than the polls read (the archive's days before the ones read).
-- grain: one row (n_stores)
-- params: $lo_us (the first instant report_instants read; reads report_needy and
--         report_instants)
-- When there are any, storemon.engine.report reads the archive back to its start and builds
-- report_instants again, so the status at the week's start is still exact.
with

found as (
    select distinct store_key
    from report_instants
    where t_us < $lo_us
),

final as (
    select count(*) as n_stores
    from report_needy
    anti join found on report_needy.store_key = found.store_key
)

select * from final
