-- store_keys: every store's key and id.
-- grain: one row per store (stores)
-- params: none
with

final as (
    select
        store_key,
        store_id
    from stores
)

select * from final
