-- export_store_zones: store_zones with each row's store bucket (Parquet partitioned by it).
-- grain: one row per row of store_zones (plus the column bucket)
-- params: none (reads store_zones and the temp table partition_keys)
with

final as (
    select
        store_zones.*,
        partition_keys.bucket
    from store_zones
    inner join partition_keys on store_zones.store_key = partition_keys.store_key
)

select * from final
