-- store_coverage: how many stores lack business hours, a valid time zone, or polls.
-- grain: one row (the whole data set)
-- params: none
with

polled as (
    select distinct store_id from store_status
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

final as (
    select
        (select count(*) from polled) as stores_polled,
        (select count(*) from polled anti join with_hours using (store_id))
            as stores_without_hours,
        (select count(*) from polled anti join with_zone using (store_id))
            as stores_without_zone,
        (select count(*) from described anti join polled using (store_id))
            as stores_never_polled
)

select * from final
