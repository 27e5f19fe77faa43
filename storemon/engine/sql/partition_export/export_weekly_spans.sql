-- export_weekly_spans: weekly_spans with each row's store bucket (Parquet partitioned by it).
-- grain: one row per row of weekly_spans (plus the column bucket)
-- params: none (reads weekly_spans and the temp table partition_keys)
with

final as (
    select
        weekly_spans.*,
        partition_keys.bucket
    from weekly_spans
    inner join partition_keys on weekly_spans.store_key = partition_keys.store_key
)

select * from final
