-- report_polls: the poll instants a report uses (at or before `now`) and whether each one counts.
-- grain: one row per store and poll instant (temp view report_polls); the stores observed by all
-- their polls (temp view report_unpolled_stores: one row per store)
-- params: none (reads report_instants, stores and report_clock)
-- observed: the poll is an observation: it is in business hours, or its store has no poll in
-- business hours at all up to now (stores.first_in_hours_us, which covers the whole history, the
-- archived polls too; then all of that store's polls are observations: polled_in_hours false).
-- prev_packed: the instant's link to the previous one in hours (report_instants).
-- Views, not tables: materialising ~2 M rows would cost more than it saves. report_outages reads
-- the polls of report_instants itself, with report_unpolled_stores.
-- The stores with no poll in business hours up to now are few: probing that small set keeps the
-- lookup in the CPU's cache, where a join of every poll with all stores (1.4 M at 100x the fleet)
-- misses it on almost every row. Every polled store is in stores.
create or replace temp view report_unpolled_stores as

with

final as (
    select stores.store_key
    from stores
    cross join report_clock
    where
        stores.first_in_hours_us is null
        or stores.first_in_hours_us > report_clock.now_us
)

select * from final;

create or replace temp view report_polls as

with

polls as (
    select
        report_instants.store_key,
        report_instants.t_us,
        report_instants.active,
        report_instants.in_hours,
        report_instants.prev_packed
    from report_instants
    cross join report_clock
    where report_instants.t_us <= report_clock.now_us
),

with_flag as (
    select
        *,
        store_key not in (select store_key from report_unpolled_stores) as polled_in_hours
    from polls
),

final as (
    select
        store_key,
        t_us,
        active,
        in_hours,
        prev_packed,
        polled_in_hours,
        in_hours or not polled_in_hours as observed
    from with_flag
)

select * from final
