-- partition_tables: a partition's tables, read from its buckets' Parquet files of an export.
-- grain: the tables a report reads (stores, poll_instants, store_days, weekly_spans,
--     store_zones), each with the rows of the partition's stores only
-- params: $stores_files, $poll_instants_files, $store_days_files, $weekly_spans_files,
--     $store_zones_files (each list starts with the export's empty schema file of its table,
--     so that a partition without rows still gets the table and its column types)
-- Run by storemon.engine.partition on a worker's in-memory database, after the base schema.
-- Each bucket's poll_instants file is in time order (export_poll_instants), so the table is a few
-- runs in time order and the report's range filters on t_us skip row groups as they do in the
-- ingested database, without a sort here (a sort was a third of a partition's time at 10x).
create or replace table stores as
select * from read_parquet($stores_files);

create or replace table poll_instants as
select * from read_parquet($poll_instants_files);

create or replace table store_days as
select * from read_parquet($store_days_files);

create or replace table weekly_spans as
select * from read_parquet($weekly_spans_files);

create or replace table store_zones as
select * from read_parquet($store_zones_files);
