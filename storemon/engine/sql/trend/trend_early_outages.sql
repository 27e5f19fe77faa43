-- trend_early_outages: the outages of the stores first polled in business hours inside a
-- trend's span, observed with all their polls.
-- grain: one row per store and run of inactive polls (temp table trend_early_outages), the
-- columns of report_outages
-- params: $method ('nearest' | 'carry_forward'), $oldest_end_us (the earliest end of a period
--         the trends cut: storemon.engine.trend; reads stores, report_clock and report_instants)
-- A report as of T observes a store's polls in hours when it has one at or before T, else all
-- its polls (report_polls). report_outages holds the runs as of the trend's end; a store whose
-- first poll in hours falls inside the span observed all its polls in the periods that end
-- before that poll, and those periods read these runs instead (trend_store_periods). They end
-- before it, so its polls before it are enough: a run still open there was open at their ends.
-- A store first polled in hours at or before the oldest period's end has no such period (that
-- end lies inside the span, so the bound holds the span's start too).
create or replace temp table trend_early_outages as

with

early_stores as (
    select
        stores.store_key,
        stores.first_in_hours_us
    from stores
    cross join report_clock
    where
        stores.first_in_hours_us > $oldest_end_us
        and stores.first_in_hours_us <= report_clock.now_us
),

-- a bound on time first, so that the scan skips the later polls; the polls before a store's
-- first poll in hours are all out of hours, a test that spares most polls the join
latest_first as (
    select max(first_in_hours_us) as until_us
    from early_stores
),

observations as (  -- noqa: ST03
    select
        report_instants.store_key,
        2 * report_instants.t_us + report_instants.active::bigint as packed
    from report_instants
    inner join early_stores
        on
            report_instants.store_key = early_stores.store_key
            and report_instants.t_us < early_stores.first_in_hours_us
    where
        report_instants.t_us < (select until_us from latest_first)
        and not report_instants.in_hours
),

final as (
    select * from outage_runs(observations, $method, report_clock)
)

select * from final
