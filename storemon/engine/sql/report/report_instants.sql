-- report_instants: the poll instants a report reads: its week, a look-back before it, up to now.
-- grain: one row per store and instant (temp table report_instants)
-- params: $lo_us, $now_us (the first instant read: the UTC midnight storemon.engine.report
--         .LOOKBACK_DAYS or more before the week; now), constants so that DuckDB prunes the scan
--         (reads poll_instants and archive_instants)
-- Range filters on t_us, so a report costs the week it reads, not the history held; the rows
-- before the week only place the status at the week's start (report_fallback adds the last
-- observation before the look-back for a store without one inside it).
create or replace temp table report_instants as

with

held as (
    select
        store_key,
        t_us,
        active,
        in_hours
    from poll_instants
    where t_us >= $lo_us and t_us <= $now_us
    union all
    select
        store_key,
        t_us,
        active,
        in_hours
    from archive_instants
    where t_us >= $lo_us and t_us <= $now_us
),

final as (
    select * from held
)

select * from final
