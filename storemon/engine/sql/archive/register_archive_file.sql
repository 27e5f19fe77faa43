-- register_archive_file: list a Parquet file just written in the archive (replacing its day's
-- files when the day was written again).
-- grain: one row per file (table archive_files)
-- params: $path (relative to the archive folder), $file (its absolute path), $day,
--         $replace_day (boolean: the day's earlier files are superseded)
delete from archive_files
where day = $day and $replace_day;

insert into archive_files
select
    cast($path as varchar) as path,
    cast($day as date) as day,
    count(*) as n_rows
from read_parquet($file)
