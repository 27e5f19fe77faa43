-- store_zones: every store of a report with the time zone its business hours are read in.
-- grain: one row per store of the report, in store_id order
-- params: $folder (the report's store_weeks folder)
with

stores as (
    select
        store_id,
        zone
    from read_parquet($folder || '/stores.parquet')
),

final as (
    select
        store_id,
        zone
    from stores
    order by store_id
)

select * from final
