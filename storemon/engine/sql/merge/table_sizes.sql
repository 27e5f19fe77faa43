-- table_sizes: rows held in each loaded table.
-- grain: one row per table
-- params: none
with

final as (
    select
        'store_status' as table_name,
        count(*) as n_rows
    from store_status
    union all
    select
        'menu_hours' as table_name,
        count(*) as n_rows
    from menu_hours
    union all
    select
        'timezones' as table_name,
        count(*) as n_rows
    from timezones
    union all
    select
        'rejects' as table_name,
        count(*) as n_rows
    from rejects
)

select * from final
