-- export_store_days: store_days with each row's store bucket (Parquet partitioned by it).
-- grain: one row per row of store_days (plus the column bucket)
-- params: none (reads store_days and the temp table partition_keys)
with

final as (
    select
        store_days.*,
        partition_keys.bucket
    from store_days
    inner join partition_keys on store_days.store_key = partition_keys.store_key
)

select * from final
