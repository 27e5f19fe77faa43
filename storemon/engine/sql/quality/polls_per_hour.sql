-- polls_per_hour: how many polls, and of how many stores, arrived in each hour of the data.
-- grain: one row per UTC hour from the first poll's hour to the last poll's hour (hours without
-- any poll are rows with 0: they are the polling holes)
-- params: none (reads store_status)
with

polls as (
    select
        date_trunc('hour', timestamp_utc) as hour,
        count(*) as polls,
        count(distinct store_id) as stores
    from store_status
    group by hour
),

hours as (
    select unnest(range(min(hour), max(hour) + interval 1 hour, interval 1 hour)) as hour
    from polls
),

final as (
    select
        hours.hour,
        coalesce(polls.polls, 0) as polls,
        coalesce(polls.stores, 0) as stores
    from hours
    left join polls on hours.hour = polls.hour
    order by hours.hour
)

select * from final
