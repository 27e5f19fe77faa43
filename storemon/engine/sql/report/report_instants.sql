-- report_instants: the poll instants a report reads: its week, a look-back before it, up to now.
-- grain: one row per store and instant (temp table report_instants)
-- params: $lookback_days (storemon.engine.report.LOOKBACK_DAYS; reads report_clock,
--         poll_instants and archive_instants)
-- Range filters on t_us, so a report costs the week it reads, not the history held; the rows
-- before the week only place the status at the week's start (report_fallback adds the last
-- observation before the look-back for a store without one inside it).
create or replace temp table report_instants as

with

bounds as (
    select
        week_start_us - $lookback_days * 86400000000 as lo_us,
        now_us
    from report_clock
),

held as (
    select
        store_key,
        t_us,
        active,
        in_hours
    from poll_instants
    where
        t_us >= (select lo_us from bounds)
        and t_us <= (select now_us from bounds)
    union all
    select
        store_key,
        t_us,
        active,
        in_hours
    from archive_instants
    where
        t_us >= (select lo_us from bounds)
        and t_us <= (select now_us from bounds)
),

final as (
    select * from held
)

select * from final
