-- report_polls: the poll instants a report uses (at or before `now`) and whether each one counts.
-- grain: one row per store and poll instant (temp table report_polls)
-- params: none (reads poll_instants and report_clock)
-- observed: the poll is an observation: it is in business hours, or its store has no poll in
-- business hours at all (then all of that store's polls are observations).
create or replace temp table report_polls as

with

final as (
    select
        poll_instants.store_key,
        poll_instants.t_us,
        poll_instants.active,
        poll_instants.in_hours,
        poll_instants.in_hours
        or not bool_or(poll_instants.in_hours) over (partition by poll_instants.store_key)
            as observed
    from poll_instants
    cross join report_clock
    where poll_instants.t_us <= report_clock.now_us
)

select * from final
