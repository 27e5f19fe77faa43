-- store_order: every store's key and id, in store_id order (the order of a trend's rows).
-- grain: one row per store (stores), ordered by store_id
-- params: none
with

final as (
    select
        store_key,
        store_id
    from stores
    order by store_id
)

select * from final
