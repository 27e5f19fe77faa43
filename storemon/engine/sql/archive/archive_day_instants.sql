-- archive_day_instants: the instants of one UTC day's polls leaving the hot database, kept beside
-- the day's polls in the archive.
-- grain: one row per store and instant (store_key, t_us, active, in_hours, prev_packed), in time
--        order
-- params: $day_us, $end_us (the day's first instant and the cutoff or the next midnight, in
--         microseconds; reads cold_instants)
-- The rows are the hot poll_instants of those polls as they stand: derived with the stores'
-- hours and zones of now, one row per store and instant, each in hours with its link to the one
-- before (which holds while archive_links says so).
select
    store_key,
    t_us,
    active,
    in_hours,
    prev_packed
from cold_instants
where t_us >= $day_us and t_us < $end_us
order by t_us, store_key
