-- polls_held: does the database hold a poll (store_status) before a load?
-- grain: one row: held (false: every poll of store_status at the load's end is one the load
--        added, so storemon.engine.incremental derives them in one pass, input_first_polls)
-- params: none
select exists (select 1 from store_status) as held
