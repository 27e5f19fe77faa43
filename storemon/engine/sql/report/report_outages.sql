-- report_outages: the times each store is taken to be inactive, inside the report window.
-- grain: one row per run of inactive observations (temp table report_outages):
-- [run_lo_hus, run_hi_hus) in ticks (half-microseconds, suffix _hus: the midpoint of two polls
-- can fall on half a microsecond), with the run's first inactive observation first_us and the
-- observation after it next_us (see the macro outage_runs)
-- params: $method ('nearest' | 'carry_forward'), $lo_us (the first instant report_instants read;
--         reads report_instants, whose instants are all at or before now, report_unpolled_stores
--         and report_needy, made with report_polls, and report_clock)
-- A store observed by its polls in business hours (polled_in_hours) has each instant in hours
-- linked to the one before (prev_packed, 2 * t_us + active): its runs start at an
-- inactive observation after an active one (or none) and end at an active one after an inactive
-- one, so they come from those few edges, without ordering every observation. Exactly the runs
-- outage_runs finds over the observations the report read: a link counts when the report read
-- the observation it names, from the look-back on, or added by report_fallback (report_needy:
-- the store's last one before the look-back, when it has none between the look-back and the
-- week); else the instant is the store's first observation, as for the sort. Instants read
-- without a link are ordered among themselves: they all precede the store's linked ones (the
-- added ones, a store's first in hours, its archived days derived again, its kept archived
-- instants before archive_links.from_us and the first after it: read_kept_instants). The stores
-- observed by all their polls go through the macro outage_runs, which sqlfluff cannot see.
-- The two readers of candidates below filter on its link being null or not; DuckDB would push
-- the two filters, or-ed, into it, where they hold for every row but cost a test of every poll
-- in hours of the range (a sixth of the step over a trend's weeks): not pushed, for this step.
set disabled_optimizers = 'cte_filter_pusher';

create or replace temp table report_outages as

with

observations as (  -- noqa: ST03
    select
        report_instants.store_key,
        2 * report_instants.t_us + report_instants.active::bigint as packed
    from report_instants
    semi join report_unpolled_stores
        on report_instants.store_key = report_unpolled_stores.store_key
),

-- The instants that can change the status, in one scan: those in hours whose link names the
-- other status, names no instant, or names one before the look-back (which may not count:
-- below), of the stores observed by their polls in hours
candidates as (
    select
        report_instants.store_key,
        report_instants.t_us,
        report_instants.active,
        report_instants.prev_packed
    from report_instants
    anti join report_unpolled_stores
        on report_instants.store_key = report_unpolled_stores.store_key
    where
        report_instants.in_hours
        and (
            report_instants.prev_packed is null
            or (report_instants.prev_packed & 1 = 1) != report_instants.active
            or report_instants.prev_packed >> 1 < $lo_us
        )
),

linked_polls as (
    select
        store_key,
        t_us,
        active,
        case
            when
                prev_packed >> 1 >= $lo_us
                or store_key in (select report_needy.store_key from report_needy)
                then prev_packed
        end as prev_packed
    from candidates
    where prev_packed is not null
    union all
    select
        store_key,
        t_us,
        active,
        lag(2 * t_us + active::bigint) over (partition by store_key order by t_us) as prev_packed
    from candidates
    where prev_packed is null
),

-- a run starts at an inactive observation after an active one or none, and ends at an active
-- one after an inactive one; the status changes half way between them (nearest, in ticks: the
-- sum of the two instants) or at the later one (carry_forward), and before a store's first
-- observation at -2^62 (clip_runs clips the runs to the window)
edges as (
    select
        store_key,
        t_us,
        not active as starts_run,
        case
            when prev_packed is null then -4611686018427387904
            when $method = 'nearest' then (prev_packed >> 1) + t_us
            else 2 * t_us
        end as change_hus
    from linked_polls
    where
        (not active and (prev_packed is null or prev_packed & 1 = 1))
        or (active and prev_packed & 1 = 0)
),

-- read through the macro clip_runs below, which sqlfluff cannot see
linked_runs as (  -- noqa: ST03
    select
        store_key,
        starts_run,
        t_us as first_us,
        change_hus as run_lo_hus,
        coalesce(lead(change_hus) over by_time, 4611686018427387904) as run_hi_hus,
        lead(t_us) over by_time as next_us
    from edges
    window by_time as (partition by store_key order by t_us)
),

final as (
    select * from outage_runs(observations, $method, report_clock)
    union all
    select * from clip_runs(linked_runs, report_clock)
)

select * from final;

reset disabled_optimizers;
