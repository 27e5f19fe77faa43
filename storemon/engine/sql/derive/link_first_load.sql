-- link_first_load: add the instants of a load into a database that holds none yet, linked.
-- grain: one row per store and instant (temp view first_linked, inserted into the table
--        poll_instants, empty before: no held instant, no store_days row, no archived
--        observation in hours)
-- params: $in_time_order (false for a database in memory; reads batch_instants)
-- With nothing held, link_instants would find no held instant and no seed: each in-hours
-- instant's predecessor (prev_packed, 2 * t_us + active) is the store's previous instant in
-- hours of the batch, the first one's null, and an instant out of hours has none. One window
-- and one insert instead of link_instants and merge_poll_instants (a first ingest, or a folder
-- loaded in memory for one report). As in link_instants, the window orders the packed instant
-- alone (one instant per store: it orders like t_us).
-- A database kept in a file gets its instants in time order (a report then reads only its
-- week's row groups, and they compress better); one in memory is read once, by one report, for
-- which sorting them cost more than it saved. Of the two inserts, the one whose filter is false
-- is an empty plan: it reads nothing.
create or replace temp view first_linked as

with

in_hours as (
    select
        store_key,
        2 * t_us + cast(active as bigint) as packed
    from batch_instants
    where in_hours
),

linked as (
    select
        store_key,
        packed >> 1 as t_us,
        packed & 1 = 1 as active,
        true as in_hours,
        lag(packed) over (partition by store_key order by packed) as prev_packed
    from in_hours
    union all
    select
        store_key,
        t_us,
        active,
        in_hours,
        null as prev_packed
    from batch_instants
    where not in_hours
),

-- linked's columns are poll_instants' own, in its order
final as (
    select * from linked
)

select * from final;

insert into poll_instants
select * from first_linked
where $in_time_order
order by t_us, store_key;

insert into poll_instants
select * from first_linked
where not $in_time_order;
