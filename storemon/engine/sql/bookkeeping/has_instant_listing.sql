-- has_instant_listing: whether the database lists kept instants of archived days at all.
-- grain: one row (false for a database an earlier storemon loaded last)
-- params: none
select count(*) > 0 as has_listing
from duckdb_tables()
where
    database_name = current_database()
    and schema_name = 'main'
    and table_name = 'archive_instant_files'
