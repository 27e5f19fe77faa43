-- archived_polls: the polls of some archive files, in the archive's columns.
-- grain: table macro archived_polls(files) -> one row per archived poll (store_id,
--        timestamp_utc, status, source_file)
-- params: files (a list of Parquet paths of the archive)
-- The columns are named, so the `date=` folder names never add one. Every reader of the archive
-- (input_archive_files, read_archive_changed, partition_archive_polls, archive_day_rest)
-- selects from it; DuckDB inlines the macro, so their filters still reach the Parquet scan.
create or replace temp macro archived_polls(files) as table
    select
        store_id,
        timestamp_utc,
        status,
        source_file
    from read_parquet(files)
