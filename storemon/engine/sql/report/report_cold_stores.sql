-- report_cold_stores: stores observed before the look-back that report_instants holds no
-- observation before the week for: their last observation is older than the polls read.
-- grain: one row (n_stores)
-- params: $lo_us (the first instant report_instants read; reads report_clock, stores and
--         report_instants)
-- When there are any, storemon.engine.report reads the archive back to its start and builds
-- report_instants again, so the status at the week's start is still exact.
with

bounds as (
    select
        week_start_us,
        cast($lo_us as bigint) as lo_us,
        now_us
    from report_clock
),

flags as (
    select
        stores.store_key,
        coalesce(stores.first_in_hours_us <= bounds.now_us, false) as uses_hours,
        case
            when stores.first_in_hours_us <= bounds.now_us then stores.first_in_hours_us
            else stores.first_us
        end as first_observed_us
    from stores
    cross join bounds
),

observed_before as (
    select distinct report_instants.store_key
    from report_instants
    inner join flags on report_instants.store_key = flags.store_key
    where
        report_instants.t_us < (select week_start_us from bounds)
        and (report_instants.in_hours or not flags.uses_hours)
),

final as (
    select count(*) as n_stores
    from flags
    anti join observed_before on flags.store_key = observed_before.store_key
    where flags.first_observed_us < (select week_start_us from bounds)
)

select * from final
