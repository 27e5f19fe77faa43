-- trend_stores: every store's key and id, in store_id order (the order of a trend's rows), with
-- how many of the trend's periods it has (those ending at or after its first poll: 0 or more).
-- grain: one row per store (stores), ordered by store_id
-- params: none (reads stores and the temp view trend_store_periods, made by trend_ticks)
with

final as (
    select
        stores.store_key,
        stores.store_id,
        coalesce(trend_store_periods.periods, 0) as periods
    from stores
    left join trend_store_periods on stores.store_key = trend_store_periods.store_key
    order by stores.store_id
)

select * from final
