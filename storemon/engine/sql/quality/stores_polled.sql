-- stores_polled: how many stores the polls name (the stores of a report on all the data).
-- grain: one row
-- params: none
with

final as (
    select count(distinct store_id) as n_stores
    from store_status
)

select * from final
