-- store_week_row: one store's view read back from a report's store_weeks folder (week_* files).
-- grain: one row, or none when the store is not in the report
-- params: $folder (the report's store_weeks folder), $store_id (the store's id as in the data)
-- The lists are in time order: business and counted spans, polls, and status runs.
with

store as (
    select *
    from read_parquet($folder || '/stores.parquet')
    where store_id = $store_id
),

business as (
    select
        store_key,
        list({ 'lo_hus': lo_hus, 'hi_hus': hi_hus } order by lo_hus) as business
    from read_parquet($folder || '/business.parquet')
    where store_key = (select store.store_key from store)
    group by store_key
),

polls as (
    select
        store_key,
        list(
            { 't_us': t_us, 'active': active, 'in_hours': in_hours, 'observed': observed }
            order by t_us
        ) as polls
    from read_parquet($folder || '/polls.parquet')
    where store_key = (select store.store_key from store)
    group by store_key
),

status as (
    select
        store_key,
        list({ 'lo_hus': lo_hus, 'hi_hus': hi_hus, 'active': active } order by lo_hus) as status
    from read_parquet($folder || '/status.parquet')
    where store_key = (select store.store_key from store)
    group by store_key
),

counted as (
    select
        store_key,
        list({ 'lo_hus': lo_hus, 'hi_hus': hi_hus, 'active': active } order by lo_hus) as counted
    from read_parquet($folder || '/counted.parquet')
    where store_key = (select store.store_key from store)
    group by store_key
),

final as (
    select
        store.* exclude (store_key),
        coalesce(business.business, []) as business,
        coalesce(polls.polls, []) as polls,
        coalesce(status.status, []) as status,
        coalesce(counted.counted, []) as counted
    from store
    left join business on store.store_key = business.store_key
    left join polls on store.store_key = polls.store_key
    left join status on store.store_key = status.store_key
    left join counted on store.store_key = counted.store_key
)

select * from final
