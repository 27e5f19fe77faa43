-- first_link: does the database hold nothing a load's new instants could be linked to?
-- grain: one row: first (true: no instant held, no store_days row, no archived observation in
--        hours; link_first_load then replaces link_instants and merge_poll_instants)
-- params: none
with

final as (
    select
        not exists (select 1 from poll_instants)
        and not exists (select 1 from store_days)
        and not exists (
            select 1 from stores
            where cold_hours_us is not null
        ) as first
)

select * from final
