-- registry_file: what earlier loads took of one file (the file registry).
-- grain: one row, or none for a file never loaded
-- params: $source_file (the file's name)
select
    size_bytes,
    mtime_ns,
    loaded_bytes,
    n_lines,
    fingerprint,
    rows_read,
    rows_good
from files
where source_file = $source_file
