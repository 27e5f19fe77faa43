-- store_days_batch: the store_days rows of the stores and days a load's new instants touched.
-- grain: one row per store and day with a poll (table store_days)
-- params: none (reads batch_instants and store_days; runs after merge_poll_instants)
-- A row holds the day's last observation in hours and last of any (the later instant; at one
-- instant an inactive one, as in poll_instants). The batch's own last ones per day are combined
-- with the row held for that day, which summarises the instants held before: no held instant is
-- read again. The last observation is the largest of 2 * t_us + (1 if inactive): one integer
-- maximum gives both the instant (>> 1) and its status (& 1 = 0: active), an inactive one winning
-- at one instant; two plain maxima of integers cost about half of the arg_max pairs.
create or replace temp table touched_days as

with

batch_days as (
    select
        store_key,
        t_us // 86400000000 as day_no,
        max(2 * t_us + cast(not active as bigint)) filter (where in_hours) as last_hours_packed,
        max(2 * t_us + cast(not active as bigint)) as last_any_packed
    from batch_instants
    group by store_key, day_no
),

held_days as (
    select
        store_days.store_key,
        store_days.day_no,
        2 * store_days.last_hours_us
        + cast(not store_days.last_hours_active as bigint) as last_hours_packed,
        2 * store_days.last_any_us
        + cast(not store_days.last_any_active as bigint) as last_any_packed
    from store_days
    semi join batch_days
        on
            store_days.store_key = batch_days.store_key
            and store_days.day_no = batch_days.day_no
),

both_days as (
    select * from batch_days
    union all
    select * from held_days
),

final as (
    select
        store_key,
        day_no,
        max(last_hours_packed) >> 1 as last_hours_us,
        max(last_hours_packed) & 1 = 0 as last_hours_active,
        max(last_any_packed) >> 1 as last_any_us,
        max(last_any_packed) & 1 = 0 as last_any_active
    from both_days
    group by store_key, day_no
)

select * from final;
delete from store_days
using touched_days
where
    store_days.store_key = touched_days.store_key
    and store_days.day_no = touched_days.day_no;

insert into store_days
select
    store_key,
    day_no,
    last_hours_us,
    last_hours_active,
    last_any_us,
    last_any_active
from touched_days
