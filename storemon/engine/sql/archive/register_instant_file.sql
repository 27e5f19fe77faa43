-- register_instant_file: list the kept instants of an archived day just written.
-- grain: one row per file (table archive_instant_files)
-- params: $path (relative to the archive folder), $day
-- Stamped with the current derive_generation (mark_derived_stores).
insert into archive_instant_files
select
    cast($path as varchar) as path,
    cast($day as date) as day,
    coalesce((select max(generation) from derive_generation), 0) as generation
