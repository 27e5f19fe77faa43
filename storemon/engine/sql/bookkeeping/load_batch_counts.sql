-- load_batch_counts: what a load changed, to choose how the derived tables follow.
-- grain: one row
-- params: none (reads changed_stores, new_polls and stores)
with

new_ids as (
    select distinct store_id from new_polls
),

final as (
    select
        (select count(*) from changed_stores) as n_changed,
        (
            select count(*) from new_ids
            anti join stores on new_ids.store_id = stores.store_id
        ) as n_appeared,
        (select count(*) from new_polls) as n_new
)

select * from final
