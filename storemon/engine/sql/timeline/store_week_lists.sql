-- store_week_lists: one store's spans and polls read back from a report's store_weeks folder.
-- grain: one row: the lists business, polls, status and counted, each in time order
-- params: $folder (the report's store_weeks folder), $store_key (from store_week_row)
-- $store_key is a constant, so each Parquet scan skips the row groups of other stores.
with

business as (
    select list({ 'lo_hus': lo_hus, 'hi_hus': hi_hus } order by lo_hus) as business
    from read_parquet($folder || '/business.parquet')
    where store_key = $store_key
),

polls as (
    select
        list(
            { 't_us': t_us, 'active': active, 'in_hours': in_hours, 'observed': observed }
            order by t_us
        ) as polls
    from read_parquet($folder || '/polls.parquet')
    where store_key = $store_key
),

status as (
    select list({ 'lo_hus': lo_hus, 'hi_hus': hi_hus, 'active': active } order by lo_hus) as status
    from read_parquet($folder || '/status.parquet')
    where store_key = $store_key
),

counted as (
    select list({ 'lo_hus': lo_hus, 'hi_hus': hi_hus, 'active': active } order by lo_hus) as counted
    from read_parquet($folder || '/counted.parquet')
    where store_key = $store_key
),

final as (
    select
        coalesce(business.business, []) as business,
        coalesce(polls.polls, []) as polls,
        coalesce(status.status, []) as status,
        coalesce(counted.counted, []) as counted
    from business
    cross join polls
    cross join status
    cross join counted
)

select * from final
