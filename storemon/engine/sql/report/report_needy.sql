-- report_needy: the stores observed before the look-back without an observation inside it.
-- grain: one row per store (temp table report_needy), with whether its observations are its
-- polls in hours (uses_hours) or all its polls
-- params: $lo_us (the first instant report_instants read, a UTC midnight; reads report_clock,
--         stores and report_instants)
-- Only the last observation before the week places the status at its start (both methods), so
-- a store observed in the look-back needs nothing older; report_fallback finds the last one of
-- each needy store. Before the look-back, a store's observations are its polls in hours when it
-- had one by then (uses_hours), else all its polls: what report_polls observes for a report, and
-- what a trend's periods observe as of their own ends (a store first polled in hours inside a
-- trend observes all its polls in the periods before: trend_early_outages). A store that had no
-- poll in hours by then but has one up to now gets its last poll, which report_polls ignores.
create or replace temp table report_needy as

with

bounds as (
    select
        week_start_us,
        cast($lo_us as bigint) as lo_us
    from report_clock
),

flags as (
    select
        stores.store_key,
        stores.first_us,
        coalesce(stores.first_in_hours_us < bounds.lo_us, false) as uses_hours
    from stores
    cross join bounds
),

-- Few stores observe every poll; probing that small set stays in the CPU's cache (see
-- report_polls), where a join of every look-back poll with all stores would not.
all_polls_observed as (
    select store_key from flags
    where not uses_hours
),

covered as (
    select distinct store_key
    from report_instants
    where
        t_us < (select week_start_us from bounds)
        and (in_hours or store_key in (select store_key from all_polls_observed))
),

needy as (
    select
        flags.store_key,
        flags.uses_hours
    from flags
    anti join covered on flags.store_key = covered.store_key
    where flags.first_us < (select lo_us from bounds)
)

select * from needy
