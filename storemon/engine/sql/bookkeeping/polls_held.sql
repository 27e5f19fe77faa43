-- polls_held: does the database hold a poll (store_status) before a load?
-- grain: one row: held (false: every poll of store_status at the load's end is one the load
--        added, so storemon.engine.incremental derives them in one pass, input_first_polls)
-- params: none
with

final as (
    select count(*) > 0 as held
    from store_status
)

select * from final
