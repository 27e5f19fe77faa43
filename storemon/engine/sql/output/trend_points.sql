-- trend_points: a kept trend's points, newest first: the fleet's totals, or one store's own.
-- grain: one row per period (period_end), newest first
-- params: $file (a trend's Parquet file: store_id, period_end, uptime, downtime; written by
--         storemon.engine.trend.write_trends), $store_id (a store's id, or null for the fleet)
-- uptime and downtime are the sums of the stores' hours as the trend rounds them (added as
-- whole hundredths, so that the sum is exact); uptime_share = uptime / (uptime + downtime),
-- null without business time; stores = the stores with a row: those polled at or before the
-- period's end (a store first polled later is not counted, as in that period's report).
with

store_rows as (
    select
        period_end,
        uptime,
        downtime
    from read_parquet($file)
    where $store_id is null or store_id = $store_id
),

sums as (
    select
        period_end,
        sum(round(uptime * 100)::bigint) as up_hundredths,
        sum(round(downtime * 100)::bigint) as down_hundredths,
        count(*) as stores
    from store_rows
    group by period_end
),

final as (
    select
        period_end,
        up_hundredths / 100 as uptime,
        down_hundredths / 100 as downtime,
        case
            when up_hundredths + down_hundredths > 0
                then round(up_hundredths / (up_hundredths + down_hundredths), 4)
        end as uptime_share,
        stores
    from sums
    order by period_end desc
)

select * from final
