-- clip_runs: the outage runs that start in some rows, clipped to the report window.
-- grain: table macro clip_runs(runs, clock) -> one row per row of runs that starts a run and
--        meets the window: store_key, [run_lo_hus, run_hi_hus) clipped to it, first_us, next_us
-- params: runs (a relation with store_key, starts_run, run_lo_hus, run_hi_hus in ticks, first_us
--         and next_us: the runs of outage_runs or report_outages, their open ends at +-2^62),
--         clock (report_clock: the window [week_start_us, now_us))
-- A run that ends at or before the window's start, or starts at or after its end, is left out.
create or replace temp macro clip_runs(runs, clock) as table

    select
        runs.store_key,
        greatest(runs.run_lo_hus, 2 * clock.week_start_us) as run_lo_hus,
        least(runs.run_hi_hus, 2 * clock.now_us) as run_hi_hus,
        runs.first_us,
        runs.next_us
    from query_table(runs) as runs
    cross join query_table(clock) as clock
    where
        runs.starts_run
        and runs.run_lo_hus < 2 * clock.now_us
        and runs.run_hi_hus > 2 * clock.week_start_us
