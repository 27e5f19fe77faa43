-- link_first_load: add the instants of a load into a database that holds none yet, linked.
-- grain: one row per store and instant (temp view first_linked, inserted into the table
--        poll_instants, empty before: no held instant, no store_days row, no archived
--        observation in hours)
-- params: $in_time_order (false for a database in memory; reads batch_instants: every derived
--         poll, several at one instant kept apart, first_batch_instants)
-- With nothing held, link_instants would find no held instant and no seed: each in-hours
-- instant's predecessor (prev_packed, 2 * t_us + active) is the store's previous instant in
-- hours of the batch, the first one's null, and an instant out of hours has none. One window
-- and one insert instead of dedupe_instants, link_instants and merge_poll_instants (a first
-- ingest, or a folder loaded in memory for one report). The window also makes one row of the
-- polls a store has at one instant, as dedupe_instants does (inactive wins): it orders a store's
-- rows in or out of hours by v = 2 * t_us + 1 if inactive, so an instant's last row holds its
-- status and the row before its first row is the last of the instant before (that one's status:
-- the link). An instant polled once is its first and last row; the few polled more than once
-- are grouped. The same polls at one instant are all in hours or all out (one store, one zone).
-- A database kept in a file gets its instants in time order (a report then reads only its
-- week's row groups, and they compress better); one in memory is read once, by one report, for
-- which sorting them cost more than it saved. Of the two inserts, the one whose filter is false
-- is an empty plan: it reads nothing.
create or replace temp view first_linked as

with

valued as (
    select
        *,
        2 * t_us + cast(not active as bigint) as v
    from batch_instants
),

-- a store's rows in hours, and those out of hours, each in the order of v
ordered as (
    select
        store_key,
        t_us,
        active,
        in_hours,
        lag(v) over by_v as lag_v,
        lead(t_us) over by_v as lead_t
    from valued
    window by_v as (partition by store_key, in_hours order by v)
),

-- an instant's first row links it, its last row holds its status
flagged as (
    select
        *,
        lag_v is null or lag_v >> 1 != t_us as first_row,
        lead_t is null or lead_t != t_us as last_row
    from ordered
),

-- polled once: that row; polled more than once: the status of its last row (the least active),
-- the link of its first
linked as (
    select
        store_key,
        t_us,
        active,
        in_hours,
        if(in_hours, xor(lag_v, 1), null) as prev_packed
    from flagged
    where first_row and last_row
    union all
    select
        store_key,
        t_us,
        bool_and(active) as active,
        in_hours,
        if(in_hours, xor(max(lag_v) filter (where first_row), 1), null) as prev_packed
    from flagged
    where not (first_row and last_row)
    group by store_key, t_us, in_hours
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
