-- report_polls: the poll instants a report uses (at or before `now`) and whether each one counts.
-- grain: one row per store and poll instant (temp view report_polls)
-- params: none (reads poll_instants and report_clock)
-- observed: the poll is an observation: it is in business hours, or its store has no poll in
-- business hours at all (then all of that store's polls are observations). A view, not a table:
-- report_outages reads it once, and materialising ~2 M rows would cost more than it saves.
create or replace temp view report_polls as

with

polls as (
    select
        poll_instants.store_key,
        poll_instants.t_us,
        poll_instants.active,
        poll_instants.in_hours
    from poll_instants
    cross join report_clock
    where poll_instants.t_us <= report_clock.now_us
),

stores_polled_in_hours as (
    select distinct store_key
    from polls
    where in_hours
),

final as (
    select
        polls.store_key,
        polls.t_us,
        polls.active,
        polls.in_hours,
        polls.in_hours or stores_polled_in_hours.store_key is null as observed
    from polls
    left join stores_polled_in_hours
        on polls.store_key = stores_polled_in_hours.store_key
)

select * from final
