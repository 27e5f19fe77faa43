-- report_instants: the poll instants a report reads: its week, a look-back before it, up to now.
-- grain: one row per store and instant (temp view report_instants; temp table
-- report_older_instants holds the rows report_fallback adds), with its link to the previous
-- instant in hours (prev_packed: derive/link_instants, or kept with an archived day while it
-- holds: read_kept_instants; null for the rows report_fallback adds)
-- params: $lo_us, $now_us (the first instant read: the UTC midnight storemon.engine.report
--         .LOOKBACK_DAYS or more before the week; now), kept as the variables report_lo_us and
--         report_now_us: DuckDB folds them into constants, so that it prunes the scan
--         (reads poll_instants and archive_instants)
-- Range filters on t_us, so a report costs the week it reads, not the history held; the rows
-- before the week only place the status at the week's start (report_fallback adds the last
-- observation before the look-back for a store without one inside it). A view, not a table:
-- the steps that read it scan the range of poll_instants again, which costs less than a copy
-- of every poll of the window (a trend's window holds weeks of them).
set variable report_lo_us = $lo_us;

set variable report_now_us = $now_us;

create or replace temp table report_older_instants (
    store_key integer,
    t_us bigint,
    active boolean,
    in_hours boolean
);

create or replace temp view report_instants as

with

held as (
    select
        store_key,
        t_us,
        active,
        in_hours,
        prev_packed
    from poll_instants
    union all
    select
        store_key,
        t_us,
        active,
        in_hours,
        prev_packed
    from archive_instants
),

-- one filter, which DuckDB pushes into both scans
in_range as (
    select * from held
    where
        t_us >= getvariable('report_lo_us')
        and t_us <= getvariable('report_now_us')
),

final as (
    select * from in_range
    union all
    select
        *,
        null as prev_packed
    from report_older_instants
)

select * from final
