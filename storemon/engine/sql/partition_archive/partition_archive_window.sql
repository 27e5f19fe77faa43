-- partition_archive_window: the database's archive listing and hot window, on a worker.
-- grain: one row into hot_window; one row per archived file into archive_files (n_rows unknown: 0)
-- params: $cutoff_us (where the hot window starts), $paths (the files, relative to the archive
--         folder), $days (each file's day): the coordinator's listing
-- Run by storemon.engine.partition_task on a worker's in-memory database (base schema, empty), so
-- that the report decides which archived days it reads exactly as on the database itself.
insert into hot_window
select cast($cutoff_us as bigint) as cutoff_us;

insert into archive_files
select
    cast(unnest($paths) as varchar) as path,
    cast(unnest($days) as date) as day,
    0 as n_rows
