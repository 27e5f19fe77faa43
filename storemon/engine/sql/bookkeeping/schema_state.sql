-- schema_state: which of storemon's tables the database holds, before the schema runs.
-- grain: one row
-- params: none
select
    count(*) filter (where table_name = 'store_status') > 0 as has_polls,
    count(*) filter (where table_name = 'storemon_info') > 0 as has_info
from duckdb_tables()
where database_name = current_database() and schema_name = 'main'
