-- dedupe_instants: the instants of the derive passes since begin_instants, one row per store and
-- instant: several polls of one store at the same instant are one (in one piece or in two, or a
-- changed store's new poll derived twice); if they disagree, inactive wins.
-- grain: one row per store and instant (temp table batch_instants; merge_poll_instants puts them
-- into poll_instants)
-- params: none (reads raw_instants)
-- Every pass reads a store's hours and zone as the load leaves them, so in_hours agrees.
-- min and max of a boolean are bool_and and bool_or (false < true), at a fifth less of the cost.
create or replace temp table batch_instants as

with

final as (
    select
        store_key,
        t_us,
        min(active) as active,
        max(in_hours) as in_hours
    from raw_instants
    group by store_key, t_us
)

select * from final
