-- stores_lacking_data: the stores behind the coverage counts, so an analyst can look them up.
-- grain: one row per store and problem ('no business hours', 'no valid time zone',
-- 'never polled'), ordered by problem and store_id
-- params: none (reads stores, i.e. every store ever polled, menu_hours, timezones)
-- "no business hours" stores are taken as open 24x7; "no valid time zone" ones are read in
-- the default zone; "never polled" ones (hours or a zone but no poll) are not in any report.
with

polled as (
    select store_id from stores
),

with_hours as (
    select distinct store_id from menu_hours
),

with_zone as (
    select distinct store_id from timezones
),

described as (
    select store_id from with_hours
    union
    select store_id from with_zone
),

problems as (
    select
        store_id,
        'no business hours' as problem
    from polled anti join with_hours using (store_id)
    union all
    select
        store_id,
        'no valid time zone' as problem
    from polled anti join with_zone using (store_id)
    union all
    select
        store_id,
        'never polled' as problem
    from described anti join polled using (store_id)
),

final as (
    select
        problem,
        store_id
    from problems
    order by problem, store_id
)

select * from final
