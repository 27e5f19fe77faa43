-- record_file: note in the registry what is loaded of one file (replacing its earlier row).
-- grain: one row per file
-- params: $source_file, $kind, $size_bytes, $mtime_ns, $loaded_bytes, $n_lines, $fingerprint,
--         $rows_read, $rows_good (of everything loaded from the file so far), $retry_at (when
--         its polls rejected as in the future are due, or null)
delete from files
where source_file = $source_file;

insert into files values (
    $source_file,
    $kind,
    $size_bytes,
    $mtime_ns,
    $loaded_bytes,
    $n_lines,
    $fingerprint,
    $rows_read,
    $rows_good,
    cast(now() as timestamp),
    cast($retry_at as timestamp)
)
