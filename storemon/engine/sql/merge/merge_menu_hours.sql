-- merge_menu_hours: add the good staged business-hours rows of one file.
-- grain: one row per valid hours row
-- params: $source_file (the file's name, kept for tracing a number back to its row)
-- The hours tables are snapshots: the loader empties menu_hours before the first file of a load.
insert into menu_hours

with

final as (
    select
        store_id,
        cast(day_of_week as tinyint) as day_of_week,
        time '00:00:00' + to_microseconds(start_us) as start_time_local,
        case
            when end_us = 86400000000 then time '24:00:00'
            else time '00:00:00' + to_microseconds(end_us)
        end as end_time_local,
        $source_file,
        line
    from staged
    where reject_reason is null
)

select * from final
