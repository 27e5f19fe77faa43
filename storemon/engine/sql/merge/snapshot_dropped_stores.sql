-- snapshot_dropped_stores: stores the new hours or zone snapshot drops (rows before, none now).
-- grain: one row per snapshot table: n_before (stores with rows in the previous snapshot),
-- n_dropped (of those, stores without a row in the new one)
-- params: none (reads the copies made by reset_snapshots)
with

hours_before as (
    select distinct store_id from previous_menu_hours
),

zones_before as (
    select distinct store_id from previous_timezones
),

hours_dropped as (
    select store_id from hours_before
    except
    select store_id from menu_hours
),

zones_dropped as (
    select store_id from zones_before
    except
    select store_id from timezones
),

final as (
    select
        'menu_hours' as table_name,
        (select count(*) from hours_before) as n_before,
        (select count(*) from hours_dropped) as n_dropped
    union all
    select
        'timezones' as table_name,
        (select count(*) from zones_before) as n_before,
        (select count(*) from zones_dropped) as n_dropped
)

select * from final
