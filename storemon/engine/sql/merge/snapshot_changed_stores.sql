-- snapshot_changed_stores: the stores already derived whose business hours or time zone the new
-- snapshot changed (a store first polled in this load is derived with the new snapshot anyway).
-- grain: one row per store and changed row, into changed_stores
-- params: none (reads the copies made by reset_snapshots, and stores)
-- Into a database holding no store yet (a first load) there is nothing to compare: the new
-- snapshot's rows are left out before the comparison, not after it.
insert into changed_stores

with

hours_now as (
    select
        store_id,
        day_of_week,
        start_time_local,
        end_time_local
    from menu_hours
    where exists (select 1 from stores)
),

hours_before as (
    select
        store_id,
        day_of_week,
        start_time_local,
        end_time_local
    from previous_menu_hours
),

zones_now as (
    select
        store_id,
        timezone_str
    from timezones
    where exists (select 1 from stores)
),

zones_before as (
    select
        store_id,
        timezone_str
    from previous_timezones
),

new_hours as (
    select * from hours_now
    except all
    select * from hours_before
),

gone_hours as (
    select * from hours_before
    except all
    select * from hours_now
),

new_zones as (
    select * from zones_now
    except all
    select * from zones_before
),

gone_zones as (
    select * from zones_before
    except all
    select * from zones_now
),

changed as (
    select store_id from new_hours
    union all
    select store_id from gone_hours
    union all
    select store_id from new_zones
    union all
    select store_id from gone_zones
),

final as (
    select changed.store_id
    from changed
    semi join stores on changed.store_id = stores.store_id
)

select * from final
