-- registry_files: what earlier loads took of each file (the file registry), read once per load.
-- grain: one row per file ever loaded
-- params: none
select
    source_file,
    kind,
    size_bytes,
    mtime_ns,
    loaded_bytes,
    n_lines,
    fingerprint,
    rows_read,
    rows_good,
    retry_at
from files
