-- trend_early_outages: the outages of the stores first polled in business hours inside a
-- trend's span, observed with all their polls.
-- grain: one row per store and run of inactive polls (temp table trend_early_outages), the
-- columns of report_outages
-- params: $method ('nearest' | 'carry_forward'; reads stores, report_clock and report_instants)
-- A report as of T observes a store's polls in hours when it has one at or before T, else all
-- its polls (report_polls). report_outages holds the runs as of the trend's end; a store whose
-- first poll in hours falls inside the span observed all its polls in the periods that end
-- before that poll, and those periods read these runs instead (trend_store_periods). Such
-- stores are few: the probe of their small set stays in the CPU's cache (as in report_polls).
create or replace temp table trend_early_outages as

with

early_stores as (
    select stores.store_key
    from stores
    cross join report_clock
    where
        stores.first_in_hours_us > report_clock.week_start_us
        and stores.first_in_hours_us <= report_clock.now_us
),

observations as (  -- noqa: ST03
    select
        store_key,
        2 * t_us + active::bigint as packed
    from report_instants
    where
        t_us <= (select now_us from report_clock)
        and store_key in (select store_key from early_stores)
),

final as (
    select * from outage_runs(observations, $method, report_clock)
)

select * from final
