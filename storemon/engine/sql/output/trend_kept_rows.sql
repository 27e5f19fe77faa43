-- trend_kept_rows: a trend's rows as a kept file holds them, with the stores' ids, ordered.
-- grain: one row per period and store (those of the temp view trend_store_periods), oldest period
-- first, then by store_id
-- params: none (reads the view trend_store_periods and the variables trend_window_us and
--         trend_periods, made for one window by the step trend_store_periods, stores and
--         report_clock)
with

-- the stores in store_id order once, so that the rows sort by one integer: period k's rows come
-- before period k - 1's (oldest first), then by rank (1 ... stores)
store_order as (
    select
        store_key,
        store_id,
        row_number() over (order by store_id) as store_rank,
        count(*) over () as stores
    from stores
),

final as (
    select
        store_order.store_id,
        make_timestamp(report_clock.now_us - trend_store_periods.k * getvariable('trend_window_us'))
            as period_end,
        trend_store_periods.uptime,
        trend_store_periods.downtime
    from trend_store_periods
    inner join store_order on trend_store_periods.store_key = store_order.store_key
    cross join report_clock
    order by
        (getvariable('trend_periods') - trend_store_periods.k) * (store_order.stores + 1)
        + store_order.store_rank
)

select * from final
