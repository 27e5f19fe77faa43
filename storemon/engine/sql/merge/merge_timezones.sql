-- merge_timezones: add the good staged time-zone rows of one file.
-- grain: one row per store
-- params: $source_file (the file's name)
-- The loader empties timezones before the first file of a load (snapshot semantics).
insert into timezones

with

final as (
    select
        store_id,
        timezone_str,
        $source_file,
        line
    from staged
    where reject_reason is null
)

select * from final
