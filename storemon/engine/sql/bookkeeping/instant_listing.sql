-- instant_listing: the kept instants of archived days, as the database lists them.
-- grain: one row per file (path relative to the archive folder), in day order
-- params: none
-- A database an earlier storemon loaded last has no such table: no row (the days are derived
-- from their polls).
select
    path,
    day,
    generation
from archive_instant_files
order by day, path
