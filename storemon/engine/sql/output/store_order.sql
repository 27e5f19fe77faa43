-- store_order: every store's key, id and first poll, in store_id order (a trend's rows' order).
-- grain: one row per store (stores), ordered by store_id
-- params: none
with

final as (
    select
        store_key,
        store_id,
        first_us
    from stores
    order by store_id
)

select * from final
