-- drop_instant_day: stop listing the kept instants of an archived day whose polls change (late
-- polls added, a file's polls taken out): its reports derive the day again from its polls.
-- grain: n/a (delete from archive_instant_files)
-- params: $day
delete from archive_instant_files
where day = $day
