-- export_stores: stores with each row's store bucket (Parquet partitioned by it).
-- grain: one row per row of stores (plus the column bucket)
-- params: none (reads stores and the temp table partition_keys)
with

final as (
    select
        stores.*,
        partition_keys.bucket
    from stores
    inner join partition_keys on stores.store_key = partition_keys.store_key
)

select * from final
