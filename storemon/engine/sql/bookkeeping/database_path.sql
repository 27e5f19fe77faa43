-- database_path: the file of the connection's database (null in memory), to find its archive.
-- grain: one row
-- params: none
select path
from duckdb_databases()
where database_name = current_database()
