-- schema_version: the schema version the database records (storemon.engine.schema).
-- grain: one row, or none before the first load committed
-- params: none
select
    schema_version,
    retention_days
from storemon_info
