-- trend_rows: a kept trend's rows, every store's, in the file's order.
-- grain: one row per period and store (period_end, store_id)
-- params: $file (a trend's Parquet file, written by storemon.engine.trend.write_trends)
with

final as (
    select
        store_id,
        period_end,
        uptime,
        downtime
    from read_parquet($file)
)

select * from final
