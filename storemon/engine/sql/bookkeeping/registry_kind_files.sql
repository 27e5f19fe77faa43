-- registry_kind_files: the files of one kind earlier loads took.
-- grain: one row per file
-- params: $kind (store_status, menu_hours or timezones)
select source_file
from files
where kind = $kind
