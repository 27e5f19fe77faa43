-- partition_week_index: the index of a partitioned report's store weeks: every store, its part.
-- grain: one row per store of the report, in store_id order (written as store_weeks/stores.parquet)
-- params: $folder (the report's store_weeks folder: part=<p>/stores.parquet per partition)
-- The rows of each partition's stores.parquet (week_stores) with the column part, from the folder
-- name; storemon.engine.timeline.read_store_week reads a store's spans and polls in its part.
with

final as (
    select *
    from read_parquet($folder || '/part=*/stores.parquet', hive_partitioning = true)
    order by store_id
)

select * from final
