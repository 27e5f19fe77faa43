-- load_batch_counts: what a load changed, to choose how the derived tables follow.
-- grain: one row: n_changed, the stores whose derived rows are derived again
-- params: none (reads changed_stores)
with

final as (
    select count(distinct store_id) as n_changed
    from changed_stores
)

select * from final
