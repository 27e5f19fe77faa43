-- record_loads: note what one load did to each file.
-- grain: one row per file of the load
-- params: $loads (list of structs with the loads table's columns but loaded_at)
insert into loads

with

final as (
    select
        cast(now() as timestamp) as loaded_at,
        file_load.source_file,
        file_load.kind,
        file_load.rows_read,
        file_load.rows_loaded,
        file_load.rows_already_loaded,
        file_load.rows_rejected
    from (select unnest($loads) as file_load) as loads_of_this_run
)

select * from final
