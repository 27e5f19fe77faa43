-- record_info: note the schema version the database now follows and the hot window's retention.
-- grain: one row (table storemon_info)
-- params: $schema_version, $retention_days (null: a load without an archive keeps every poll)
delete from storemon_info;

insert into storemon_info
select
    cast($schema_version as integer) as schema_version,
    cast($retention_days as integer) as retention_days
