-- derive_weekly_spans: each store's business hours as local spans from the start of a weekday,
-- for the stores to derive.
-- grain: one row per store and hours row (table weekly_spans; the rows of the stores in
-- derive_keys replaced): [s, e) in microseconds after the local midnight that starts weekday dow
-- (0 = Monday), e in (s, s + 24 h]
-- params: none (reads derive_keys, stores and menu_hours)
-- An end from 23:59:00 on is 24:00; an end before the start runs past midnight into the next
-- weekday (Sunday into Monday); end = start is 24 hours from the start; overlapping rows are
-- merged later (a union). A store without any valid row is open 24x7.
delete from weekly_spans
where store_key in (select derive_keys.store_key from derive_keys);

insert into weekly_spans

with

keyed_stores as (
    select
        stores.store_key,
        stores.store_id
    from stores
    where stores.store_key in (select derive_keys.store_key from derive_keys)
),

listed_spans as (
    select
        keyed_stores.store_key,
        menu_hours.day_of_week as dow,
        epoch_us(menu_hours.start_time_local) as s,
        epoch_us(menu_hours.end_time_local) as raw_e
    from menu_hours
    inner join keyed_stores on menu_hours.store_id = keyed_stores.store_id
),

normalized_spans as (
    select
        store_key,
        dow,
        s,
        case
            when raw_e >= 86340000000 then 86400000000
            when raw_e <= s then raw_e + 86400000000
            else raw_e
        end as e
    from listed_spans
),

open_all_week as (
    select
        keyed_stores.store_key,
        cast(days.dow as tinyint) as dow,
        0 as s,
        86400000000 as e
    from keyed_stores
    anti join listed_spans on keyed_stores.store_key = listed_spans.store_key
    cross join range(7) as days (dow)
),

final as (
    select * from normalized_spans
    union all
    select * from open_all_week
)

select * from final
