-- snapshot_news: rows of the new business-hours and time-zone snapshots that the previous held not.
-- grain: one row per snapshot table
-- params: none (reads the copies made by reset_snapshots)
with

new_hours as (
    select
        store_id,
        day_of_week,
        start_time_local,
        end_time_local
    from menu_hours
    except all
    select
        store_id,
        day_of_week,
        start_time_local,
        end_time_local
    from previous_menu_hours
),

new_zones as (
    select
        store_id,
        timezone_str
    from timezones
    except all
    select
        store_id,
        timezone_str
    from previous_timezones
),

final as (
    select
        'menu_hours' as table_name,
        count(*) as n_new
    from new_hours
    union all
    select
        'timezones' as table_name,
        count(*) as n_new
    from new_zones
)

select * from final
