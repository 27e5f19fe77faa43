-- first_link: does the database hold nothing a load's new instants could be linked to, and is it
-- kept in a file?
-- grain: one row: first (true: no instant held, no store_days row, no archived observation in
--        hours; link_first_load then replaces link_instants and merge_poll_instants), in_file
--        (false for a database in memory: link_first_load need not put its instants in time order)
-- params: none
with

final as (
    select
        not exists (select 1 from poll_instants)
        and not exists (select 1 from store_days)
        and not exists (
            select 1 from stores
            where cold_hours_us is not null
        ) as first,
        (
            select path is not null
            from duckdb_databases()
            where database_name = current_database()
        ) as in_file
)

select * from final
