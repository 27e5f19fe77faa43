-- stores_polled: how many stores the polls name (the stores of a report on all the data).
-- grain: one row
-- params: none (reads stores: every store ever polled, its archived polls included)
with

final as (
    select count(*) as n_stores
    from stores
)

select * from final
